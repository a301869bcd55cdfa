// @ts-check
// Settings → Data and privacy (admins): the tenant's retention days, and one person's data on request:
// find them, download everything stored about them (JSON), or erase it after a confirmation, with the
// erasure's progress and result. Server text is written with textContent, never HTML.
import { actionButton, announcer, cell, sendJson, showError } from './common/admin-ui.js';
import { api } from './common/session.js';
import { dateTime } from './common/time.js';

(() => {
  const root = document.getElementById('privacy-settings');
  if (!root) return;

  const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const announce = announcer($('announcer'));
  const retentionForm = /** @type {HTMLFormElement} */ ($('retention-form'));
  const daysInput = /** @type {HTMLInputElement} */ ($('retention-days'));
  const retentionError = $('retention-error');
  const personForm = /** @type {HTMLFormElement} */ ($('person-form'));
  const queryInput = /** @type {HTMLInputElement} */ ($('person-query'));
  const personError = $('person-error');
  const peopleSection = $('people-section');
  const peopleBody = $('people-body');
  const peopleEmpty = $('people-empty');
  const dialog = /** @type {HTMLDialogElement} */ ($('erase-dialog'));
  const eraseForm = /** @type {HTMLFormElement} */ ($('erase-form'));
  const eraseWhat = $('erase-what');
  const understood = /** @type {HTMLInputElement} */ ($('erase-understood'));
  const eraseError = $('erase-error');
  const eraseConfirm = /** @type {HTMLButtonElement} */ ($('erase-confirm'));
  const progress = $('erase-progress');
  const eraseState = $('erase-state');
  const eraseResult = $('erase-result');

  // ------------------------------------------------------------------ retention

  // The form stays disabled (and busy) until the stored value is shown, so nothing typed before the load
  // answers is overwritten by it, and a save never replaces a value the page could not read.
  async function loadRetention() {
    const result = await sendJson('/api/privacy/settings');
    retentionForm.removeAttribute('aria-busy');
    if (!result.ok) return showError(retentionError, result.message);
    const days = result.body.data.retentionDays;
    daysInput.value = days === null ? '' : String(days);
    daysInput.disabled = false;
    /** @type {HTMLButtonElement} */ ($('retention-save')).disabled = false;
  }

  retentionForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(retentionError, '');
    const raw = daysInput.value.trim();
    const days = raw === '' ? null : Number(raw);
    if (days !== null && (!Number.isInteger(days) || days < 1 || days > 3650)) {
      showError(retentionError, 'Days: a whole number from 1 to 3650, or empty to keep conversations.');
      daysInput.focus();
      return;
    }
    const result = await sendJson('/api/privacy/settings', 'PUT', { retentionDays: days });
    if (!result.ok) {
      showError(retentionError, result.message);
      daysInput.focus();
      return;
    }
    announce(
      days === null
        ? 'Saved: conversations are kept.'
        : `Saved: finished conversations are deleted ${days} days after their last activity.`,
    );
  });

  // ------------------------------------------------------------------ one person

  /** @type {any} the person the dialog is about */
  let chosen = null;

  personForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(personError, '');
    const query = queryInput.value.trim();
    if (!query) {
      showError(personError, 'Give an email address or a user id.');
      queryInput.focus();
      return;
    }
    const param = /^[0-9a-f]{24}$/i.test(query) ? 'userId' : 'email';
    const result = await sendJson(`/api/privacy/people?${param}=${encodeURIComponent(query)}`);
    if (!result.ok) {
      showError(personError, result.message);
      queryInput.focus();
      return;
    }
    renderPeople(result.body.data.people);
  });

  /** @param {any[]} people */
  function renderPeople(people) {
    peopleSection.hidden = false;
    peopleBody.replaceChildren();
    peopleEmpty.hidden = people.length > 0;
    for (const person of people) {
      const row = document.createElement('tr');
      const name = person.name || '(no name)';
      const head = document.createElement('th');
      head.scope = 'row';
      head.dataset.label = 'Name';
      head.textContent = name;
      const actions = cell('Actions');
      actions.append(
        actionButton('Download data', `of ${name}`, () => download(person)),
        ' ',
        // The destructive action is the outlined red one, never the page's primary (filled) button.
        actionButton('Erase…', name, () => ask(person), true),
      );
      row.append(
        head,
        cell('Email', person.email || '—'),
        cell('Role', person.role),
        cell('Last launch', dateTime(person.lastLaunchAt)),
        cell('Conversations', String(person.threads)),
        actions,
      );
      peopleBody.append(row);
    }
    announce(people.length === 1 ? '1 person found.' : `${people.length} people found.`);
  }

  /** Downloads the person's export as a JSON file (fetched with the session header, then saved). */
  async function download(person) {
    showError(personError, '');
    try {
      const response = await api(`/api/privacy/people/${person.id}/export`);
      if (!response.ok) {
        showError(personError, `The export failed (${response.status}). Please try again.`);
        return;
      }
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = `chatref-user-${person.id}.json`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      announce(`Data of ${person.name || person.id} downloaded.`);
    } catch {
      showError(personError, 'The server could not be reached. Please try again.');
    }
  }

  /** @param {any} person */
  function ask(person) {
    chosen = person;
    eraseWhat.textContent =
      `${person.name || '(no name)'} (${person.email || person.id}): their profile, launches and ` +
      `${person.threads} conversation${person.threads === 1 ? '' : 's'} with every message, note, rating, ` +
      'lead and reminder are deleted everywhere, including search and inbox entries.';
    understood.checked = false;
    showError(eraseError, '');
    dialog.showModal();
    understood.focus();
  }

  $('erase-cancel').addEventListener('click', () => dialog.close());
  understood.addEventListener('change', () => showError(eraseError, ''));

  /** "1 conversation", "3 conversations". */
  const count = (/** @type {number} */ n, /** @type {string} */ one, /** @type {string} */ many) =>
    `${n} ${n === 1 ? one : many}`;

  eraseForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!chosen) return;
    if (!understood.checked) {
      showError(eraseError, 'Tick the box to confirm: erasing cannot be undone.');
      understood.focus();
      return;
    }
    eraseConfirm.disabled = true;
    const person = chosen;
    const result = await sendJson(`/api/privacy/people/${person.id}/erase`, 'POST', { confirm: true });
    eraseConfirm.disabled = false;
    if (!result.ok) {
      showError(eraseError, result.message);
      return;
    }
    dialog.close();
    progress.hidden = false;
    eraseResult.replaceChildren();
    follow(person, result.body.data);
  });

  const STATE = {
    waiting: 'queued',
    delayed: 'queued',
    prioritized: 'queued',
    active: 'in progress',
  };

  /** Shows the erasure's state until it is done (checked every second). */
  async function follow(person, data) {
    const who = person.name || person.id;
    for (let last = ''; ; ) {
      if (data.state === 'completed') {
        eraseState.textContent = `${who}: erased.`;
        showResult(data.result);
        peopleBody.replaceChildren();
        peopleSection.hidden = true;
        announce(`${who} erased.`);
        return;
      }
      if (data.state === 'failed') {
        eraseState.textContent = `${who}: ${data.error}`;
        return;
      }
      const text = `${who}: erasure ${STATE[data.state] ?? data.state}…`;
      if (text !== last) eraseState.textContent = last = text;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const polled = await sendJson(`/api/privacy/people/${person.id}/erase`);
      if (polled.ok) data = polled.body.data;
    }
  }

  /** What the erasure removed, in words. */
  function showResult(result) {
    const collections = result?.collections ?? {};
    const redis = result?.redis ?? {};
    const inbox = Number(redis.inboxEntries ?? 0);
    const copies = Object.values(redis).reduce((sum, n) => sum + Number(n), 0) - inbox;
    const lines = [
      `${count(collections.conversations ?? 0, 'conversation', 'conversations')}, ${count(collections.messages ?? 0, 'message or note', 'messages and notes')}`,
      `${count(collections.events ?? 0, 'event', 'events')}, ${count(collections.leads ?? 0, 'lead', 'leads')}, ${count(collections.lti_launches ?? 0, 'launch', 'launches')}`,
      `${count(inbox, 'inbox entry', 'inbox entries')}, ${count(copies, 'cached copy or pointer', 'cached copies and pointers')}`,
      `${count(result?.jobs?.removed ?? 0, 'scheduled reminder or email', 'scheduled reminders and emails')}`,
    ];
    eraseResult.replaceChildren(
      ...lines.map((line) => {
        const item = document.createElement('li');
        item.textContent = line;
        return item;
      }),
    );
  }

  loadRetention();
})();
