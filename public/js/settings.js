// The admin "Handoff settings" page: which triggers hand a thread to people, and the keyword rules.
// Everything from the server is written with textContent (never innerHTML), so patterns stay text.
import { actionButton, announcer, cell, messageOf, readJson, showError } from './common/admin-ui.js';
import { api } from './common/session.js';

(() => {
  const root = document.getElementById('settings');
  if (!root) return;

  const $ = (id) => document.getElementById(id);
  const announcerRegion = $('announcer');
  const settingsForm = $('settings-form');
  const settingsButton = $('settings-button');
  const settingsError = $('settings-error');
  const ruleForm = $('rule-form');
  const ruleButton = $('rule-button');
  const ruleError = $('rule-error');
  const pattern = $('rule-pattern');
  const tbody = $('rules-body');
  const empty = $('rules-empty');
  const listError = $('rules-error');

  const PRIORITY = { low: 'Low', normal: 'Normal', high: 'High', urgent: 'Urgent' };

  const announce = announcer(announcerRegion);

  /** A JSON request; resolves to { ok, body, response }. Network failures become a message. */
  async function send(path, method, data) {
    try {
      const init = { method };
      if (data !== undefined) {
        init.headers = { 'content-type': 'application/json' };
        init.body = JSON.stringify(data);
      }
      const response = await api(path, init);
      const body = response.status === 204 ? null : await readJson(response);
      return { ok: response.ok, body, message: response.ok ? '' : messageOf(body, response) };
    } catch {
      return { ok: false, body: null, message: 'The server could not be reached. Please try again.' };
    }
  }

  // --- Triggers -------------------------------------------------------------------------------------

  const fields = {
    human: $('trigger-human'),
    low: $('trigger-low'),
    keywords: $('trigger-keywords'),
    schedule: $('trigger-schedule'),
    threshold: $('confidence-threshold'),
    learner: $('streak-learner'),
    instructor: $('streak-instructor'),
    admin: $('streak-admin'),
    reopen: $('reopen-days'),
  };

  function fillSettings(settings) {
    fields.human.checked = settings.humanRequest.enabled;
    fields.low.checked = settings.lowConfidence.enabled;
    fields.keywords.checked = settings.keywordRules.enabled;
    fields.schedule.checked = settings.schedule.enabled;
    fields.threshold.value = String(settings.lowConfidence.confidenceThreshold);
    fields.learner.value = String(settings.lowConfidence.streak.learner);
    fields.instructor.value = String(settings.lowConfidence.streak.instructor);
    fields.admin.value = String(settings.lowConfidence.streak.admin);
    fields.reopen.value = String(settings.reopenWindowDays);
  }

  /** Reads a number input; marks it invalid and returns null when it is empty or out of range. */
  function numberOf(input, label) {
    const value = input.valueAsNumber;
    const min = Number(input.min);
    const max = Number(input.max);
    const whole = input.step === '1';
    const ok = Number.isFinite(value) && value >= min && value <= max && (!whole || Number.isInteger(value));
    input.setAttribute('aria-invalid', ok ? 'false' : 'true');
    if (!ok)
      throw new Error(`${label} must be ${whole ? 'a whole number' : 'a number'} from ${min} to ${max}.`);
    return value;
  }

  async function loadSettings() {
    const result = await send('/api/settings/handoff', 'GET');
    if (!result.ok) {
      showError(settingsError, result.message);
      return;
    }
    fillSettings(result.body.data);
  }

  settingsForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(settingsError, '');
    let patch;
    try {
      patch = {
        humanRequest: { enabled: fields.human.checked },
        lowConfidence: {
          enabled: fields.low.checked,
          confidenceThreshold: numberOf(fields.threshold, 'The low-confidence threshold'),
          streak: {
            learner: numberOf(fields.learner, 'Low answers for learners'),
            instructor: numberOf(fields.instructor, 'Low answers for instructors'),
            admin: numberOf(fields.admin, 'Low answers for admins'),
          },
        },
        keywordRules: { enabled: fields.keywords.checked },
        schedule: { enabled: fields.schedule.checked },
        reopenWindowDays: numberOf(fields.reopen, 'The reopen window'),
      };
    } catch (error) {
      showError(settingsError, error.message);
      return;
    }
    settingsButton.disabled = true;
    const result = await send('/api/settings/handoff', 'PATCH', patch);
    settingsButton.disabled = false;
    if (!result.ok) {
      showError(settingsError, result.message);
      return;
    }
    fillSettings(result.body.data);
    announce('Settings saved.');
  });

  // --- Keyword rules --------------------------------------------------------------------------------

  /** id -> { rule, row } */
  const rows = new Map();

  function renderRow(rule) {
    const row = document.createElement('tr');
    row.dataset.ruleId = rule.id;
    row.dataset.enabled = String(rule.enabled);

    const head = document.createElement('th');
    head.scope = 'row';
    head.dataset.label = 'Phrase or pattern';
    head.textContent = rule.pattern;
    if (rule.kind === 'regex') {
      const kind = document.createElement('span');
      kind.className = 'source-file';
      kind.textContent = 'Regular expression';
      head.append(kind);
    }

    const notify = rule.notify.map((n) => n.target).join(', ');
    const actions = cell('Actions');
    const label = `rule ${rule.pattern}`;
    actions.append(
      actionButton(rule.enabled ? 'Disable' : 'Enable', label, () => toggleRule(rule.id)),
      ' ',
      actionButton('Delete', label, () => deleteRule(rule.id), true),
    );
    row.append(
      head,
      cell('Category', rule.category),
      cell('Priority', PRIORITY[rule.priority] || rule.priority),
      cell('Notify', notify || 'Nobody'),
      cell('Status', rule.enabled ? 'On' : 'Off'),
      actions,
    );
    return row;
  }

  function upsert(rule, options = {}) {
    const row = renderRow(rule);
    const entry = rows.get(rule.id);
    if (entry) entry.row.replaceWith(row);
    else if (options.prepend) tbody.prepend(row);
    else tbody.append(row);
    rows.set(rule.id, { rule, row });
    empty.hidden = rows.size > 0;
    return row;
  }

  function remove(id) {
    rows.get(id)?.row.remove();
    rows.delete(id);
    empty.hidden = rows.size > 0;
  }

  async function loadRules() {
    const result = await send('/api/settings/keyword-rules', 'GET');
    if (!result.ok) {
      showError(listError, result.message);
      return;
    }
    showError(listError, '');
    for (const rule of result.body.data) upsert(rule);
    empty.hidden = rows.size > 0;
  }

  async function toggleRule(id) {
    const entry = rows.get(id);
    if (!entry) return;
    const enabled = !entry.rule.enabled;
    const result = await send(`/api/settings/keyword-rules/${id}`, 'PATCH', { enabled });
    if (!result.ok) {
      showError(listError, result.message);
      return;
    }
    showError(listError, '');
    const row = upsert(result.body.data);
    row.querySelector('button')?.focus();
    announce(`Rule "${result.body.data.pattern}" ${enabled ? 'enabled' : 'disabled'}.`);
  }

  async function deleteRule(id) {
    const entry = rows.get(id);
    if (!entry) return;
    const result = await send(`/api/settings/keyword-rules/${id}`, 'DELETE');
    if (!result.ok && result.body?.error?.code !== 'not_found') {
      showError(listError, result.message);
      return;
    }
    showError(listError, '');
    remove(id);
    pattern.focus();
    announce(`Rule "${entry.rule.pattern}" deleted.`);
  }

  ruleForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(ruleError, '');
    const text = pattern.value.trim();
    const category = $('rule-category').value.trim();
    pattern.setAttribute('aria-invalid', text ? 'false' : 'true');
    $('rule-category').setAttribute('aria-invalid', category ? 'false' : 'true');
    if (!text || !category) {
      showError(ruleError, !text ? 'Write a phrase or pattern.' : 'Give the rule a category.');
      (!text ? pattern : $('rule-category')).focus();
      return;
    }
    ruleButton.disabled = true;
    const result = await send('/api/settings/keyword-rules', 'POST', {
      kind: $('rule-regex').checked ? 'regex' : 'phrase',
      pattern: text,
      category,
      priority: $('rule-priority').value,
      notify: $('rule-notify').value,
    });
    ruleButton.disabled = false;
    if (!result.ok) {
      if (result.body?.error?.code === 'unprocessable') pattern.setAttribute('aria-invalid', 'true');
      showError(ruleError, result.message);
      return;
    }
    upsert(result.body.data);
    ruleForm.reset();
    pattern.focus();
    announce(`Rule "${result.body.data.pattern}" added.`);
  });

  loadSettings();
  loadRules();
})();
