// The "Inbox setup" page: the tenant's canned replies and teams (inbox leads add and delete them) and the
// audit log of inbox actions (leads only). Everything from the server is written with textContent, never innerHTML.
import { actionButton, announcer, cell, sendJson, showError } from './common/admin-ui.js';
import { dateTime } from './common/time.js';

(() => {
  const root = document.getElementById('inbox-setup');
  if (!root) return;

  const $ = (id) => document.getElementById(id);
  const announce = announcer($('announcer'));

  /**
   * A table of things leads add and delete (canned replies, teams): its rows by id, its "none yet" line
   * and its error line. `remove` deletes one on the server and, once gone there, here.
   */
  function editableTable(prefix) {
    const body = $(`${prefix}-body`);
    const empty = $(`${prefix}-empty`);
    const error = $(`${prefix}-list-error`);
    const rows = new Map();
    const settle = () => {
      empty.hidden = rows.size > 0;
    };
    return {
      error,
      show(id, row, options = {}) {
        const existing = rows.get(id);
        if (existing) existing.replaceWith(row);
        else if (options.prepend) body.prepend(row);
        else body.append(row);
        rows.set(id, row);
        settle();
      },
      settle,
      async remove(path, id) {
        const result = await sendJson(path, 'DELETE');
        if (!result.ok && result.body?.error?.code !== 'not_found') {
          showError(error, result.message);
          return false;
        }
        showError(error, '');
        rows.get(id)?.remove();
        rows.delete(id);
        settle();
        return true;
      },
    };
  }

  // --- Canned replies --------------------------------------------------------------------------------

  const cannedForm = $('canned-form');
  const cannedTitle = $('canned-title');
  const cannedText = $('canned-text');
  const cannedButton = $('canned-button');
  const cannedTable = editableTable('canned');

  function cannedRow(reply) {
    const row = document.createElement('tr');
    row.dataset.cannedId = reply.id;
    const title = document.createElement('th');
    title.scope = 'row';
    title.dataset.label = 'Title';
    title.textContent = reply.title;
    const actions = cell('Actions');
    actions.append(actionButton('Delete', `canned reply ${reply.title}`, () => deleteCanned(reply), true));
    row.append(title, cell('Reply text', reply.text), actions);
    return row;
  }

  async function loadCanned() {
    const result = await sendJson('/api/inbox/canned-replies');
    showError(cannedTable.error, result.message);
    if (!result.ok) return;
    for (const reply of result.body.replies) cannedTable.show(reply.id, cannedRow(reply));
    cannedTable.settle();
  }

  async function deleteCanned(reply) {
    const path = `/api/inbox/canned-replies/${encodeURIComponent(reply.id)}`;
    if (!(await cannedTable.remove(path, reply.id))) return;
    cannedTitle.focus();
    announce(`Canned reply "${reply.title}" deleted.`);
    refreshAudit();
  }

  cannedForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = $('canned-error');
    showError(error, '');
    const title = cannedTitle.value.trim();
    const text = cannedText.value.trim();
    cannedTitle.setAttribute('aria-invalid', title ? 'false' : 'true');
    cannedText.setAttribute('aria-invalid', text ? 'false' : 'true');
    if (!title || !text) {
      showError(error, !title ? 'Give the reply a title.' : 'Write the reply text.');
      (!title ? cannedTitle : cannedText).focus();
      return;
    }
    cannedButton.disabled = true;
    const result = await sendJson('/api/inbox/canned-replies', 'POST', { title, text });
    cannedButton.disabled = false;
    if (!result.ok) {
      showError(error, result.message);
      return;
    }
    cannedTable.show(result.body.reply.id, cannedRow(result.body.reply), { prepend: true });
    cannedForm.reset();
    cannedTitle.focus();
    announce(`Canned reply "${result.body.reply.title}" added.`);
    refreshAudit();
  });

  // --- Teams ----------------------------------------------------------------------------------------

  const teamForm = $('team-form');
  const teamName = $('team-name');
  const teamButton = $('team-button');
  const teamsTable = editableTable('teams');
  const members = $('team-members');
  /** userId -> name, for the members column */
  const staffNames = new Map();

  const splitList = (value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);

  function routedTo(team) {
    if (team.courseTeamOf) return 'Threads of its course';
    const parts = [];
    if (team.categories.length) parts.push(`Categories: ${team.categories.join(', ')}`);
    if (team.courseIds.length)
      parts.push(`${team.courseIds.length} course${team.courseIds.length === 1 ? '' : 's'}`);
    return parts.join(' · ') || 'Transfers only';
  }

  function teamRow(team) {
    const row = document.createElement('tr');
    row.dataset.teamId = team.id;
    const name = document.createElement('th');
    name.scope = 'row';
    name.dataset.label = 'Team';
    name.textContent = team.name;
    const people = team.memberIds.map((id) => staffNames.get(id) || 'Not yet signed in');
    const actions = cell('Actions');
    actions.append(actionButton('Delete', `team ${team.name}`, () => deleteTeam(team), true));
    row.append(
      name,
      cell('Members', people.join(', ') || 'Nobody yet'),
      cell('Routed to it', routedTo(team)),
      actions,
    );
    return row;
  }

  const showTeam = (team) => teamsTable.show(team.id, teamRow(team));

  async function loadTeams() {
    const [staff, teams] = await Promise.all([sendJson('/api/inbox/staff'), sendJson('/api/inbox/teams')]);
    for (const person of staff.ok ? staff.body.staff : []) {
      staffNames.set(person.userId, person.name || person.userId);
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.name = 'memberIds';
      box.value = person.userId;
      label.append(box, ` ${person.name || person.userId}`);
      members.append(label);
    }
    $('team-members-empty').hidden = staffNames.size > 0;
    showError(teamsTable.error, teams.message || staff.message);
    if (!teams.ok) return;
    for (const team of teams.body.teams) showTeam(team);
    teamsTable.settle();
  }

  async function deleteTeam(team) {
    if (!(await teamsTable.remove(`/api/inbox/teams/${encodeURIComponent(team.id)}`, team.id))) return;
    teamName.focus();
    announce(`Team "${team.name}" deleted.`);
    refreshAudit();
  }

  teamForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = $('team-error');
    showError(error, '');
    const name = teamName.value.trim();
    teamName.setAttribute('aria-invalid', name ? 'false' : 'true');
    if (!name) {
      showError(error, 'Give the team a name.');
      teamName.focus();
      return;
    }
    teamButton.disabled = true;
    const result = await sendJson('/api/inbox/teams', 'POST', {
      name,
      memberIds: [...members.querySelectorAll('input:checked')].map((box) => box.value),
      categories: splitList($('team-categories').value),
    });
    teamButton.disabled = false;
    if (!result.ok) {
      showError(error, result.message);
      return;
    }
    showTeam(result.body.team);
    teamForm.reset();
    teamName.focus();
    announce(`Team "${result.body.team.name}" added.`);
    refreshAudit();
  });

  const courseTeamButton = $('course-team-button');
  courseTeamButton?.addEventListener('click', async () => {
    courseTeamButton.disabled = true;
    const courseId = courseTeamButton.dataset.courseId;
    const result = await sendJson(`/api/inbox/teams/course/${encodeURIComponent(courseId)}/sync`, 'POST');
    courseTeamButton.disabled = false;
    if (!result.ok) {
      showError($('team-error'), result.message);
      return;
    }
    showError($('team-error'), '');
    for (const person of result.body.instructors) staffNames.set(person.userId, person.name);
    showTeam(result.body.team);
    const count = result.body.instructors.length;
    announce(
      `Team "${result.body.team.name}" has the course's ${count} instructor${count === 1 ? '' : 's'}.`,
    );
    refreshAudit();
  });

  // --- Audit log -------------------------------------------------------------------------------------

  const auditTable = $('audit');
  const auditBody = $('audit-body');
  const auditMore = $('audit-more');
  let auditCursor = null;

  const ACTIONS = {
    claim: 'Took over',
    reply: 'Replied',
    note: 'Added a note',
    transfer: 'Transferred',
    hand_back: 'Handed back to the bot',
    resolve: 'Resolved',
    reopen: 'Reopened',
    'canned_reply.create': 'Added a canned reply',
    'canned_reply.update': 'Changed a canned reply',
    'canned_reply.delete': 'Deleted a canned reply',
    'team.create': 'Created a team',
    'team.update': 'Changed a team',
    'team.sync_course': 'Synced a course team',
    'team.delete': 'Deleted a team',
    'settings.update': 'Changed who are leads',
  };
  const DETAILS = {
    title: 'Title',
    name: 'Name',
    members: 'Members',
    resolution: 'Resolution',
    note: 'Note',
    asLead: 'As lead',
  };

  /** The details a person would read (titles, names, resolutions, notes), not internal ids. */
  function detailsOf(entry) {
    return Object.entries(entry.details || {})
      .filter(([key, value]) => key in DETAILS && value !== false && value !== '')
      .map(([key, value]) => (value === true ? DETAILS[key] : `${DETAILS[key]}: ${value}`))
      .join(' · ');
  }

  function auditRow(entry) {
    const row = document.createElement('tr');
    const at = document.createElement('th');
    at.scope = 'row';
    at.dataset.label = 'When';
    const time = document.createElement('time');
    time.dateTime = entry.at;
    time.textContent = dateTime(entry.at);
    at.append(time);
    const what = cell('What', ACTIONS[entry.action] || entry.action);
    if (entry.conversationId) {
      // Opens the thread in the inbox (the session link handler adds the session on the way).
      const link = document.createElement('a');
      link.href = `/inbox#conversation=${encodeURIComponent(entry.conversationId)}`;
      link.dataset.sessionLink = '';
      link.textContent = 'Open conversation';
      what.append(' · ', link);
    }
    row.append(
      at,
      cell('Who', entry.actor.name || entry.actor.userId),
      what,
      cell('Details', detailsOf(entry)),
      cell('Launch', entry.launchId),
    );
    return row;
  }

  async function loadAudit(cursor) {
    auditTable.setAttribute('aria-busy', 'true');
    auditMore.disabled = true;
    const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
    const result = await sendJson(`/api/inbox/audit${query}`);
    auditTable.setAttribute('aria-busy', 'false');
    auditMore.disabled = false;
    showError($('audit-error'), result.message);
    if (!result.ok) {
      auditMore.hidden = true;
      return;
    }
    if (!cursor) auditBody.replaceChildren();
    for (const entry of result.body.entries) auditBody.append(auditRow(entry));
    auditCursor = result.body.nextCursor || null;
    auditMore.hidden = !auditCursor;
    $('audit-empty').hidden = auditBody.childElementCount > 0;
  }

  /** The newest actions again (after this page changed something). */
  function refreshAudit() {
    loadAudit(null);
  }

  auditMore.addEventListener('click', () => loadAudit(auditCursor));

  loadCanned();
  loadTeams();
  loadAudit(null);
})();
