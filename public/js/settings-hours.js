// Settings → Hours and SLAs: the tenant's business calendar, closures (typed or imported from .ics),
// academic periods, SLA policies and rules, warnings, pauses, escalation and the digest rhythm.
// The page edits one copy of the settings and saves it whole (with the version it read, so a change made
// meanwhile by someone else is refused rather than overwritten). Server text is written with textContent.
(() => {
  const root = document.getElementById('hours');
  if (!root || !window.chatref) return;
  const api = window.chatref.api;
  const { readJson, messageOf, actionButton, cell } = window.chatrefAdmin;
  const $ = (id) => document.getElementById(id);
  const announce = window.chatrefAdmin.announcer($('announcer'));

  const DAYS = [
    ['mon', 'Monday'],
    ['tue', 'Tuesday'],
    ['wed', 'Wednesday'],
    ['thu', 'Thursday'],
    ['fri', 'Friday'],
    ['sat', 'Saturday'],
    ['sun', 'Sunday'],
  ];
  const PRIORITIES = [
    ['urgent', 'Urgent'],
    ['high', 'High'],
    ['normal', 'Normal'],
    ['low', 'Low'],
  ];
  const TARGETS = [
    ['first_response', 'First response'],
    ['next_response', 'Next response'],
    ['resolution', 'Resolution'],
  ];
  const ROLES = [
    ['learner', 'Learners'],
    ['instructor', 'Instructors'],
    ['admin', 'Admins'],
  ];
  /** Units a target can be typed in: how many minutes one is, and on which clock. */
  const UNITS = [
    { key: 'bmin', label: 'business minutes', factor: 1, clock: 'business' },
    { key: 'bhour', label: 'business hours', factor: 60, clock: 'business' },
    { key: 'bday', label: 'business days (8 h)', factor: 480, clock: 'business' },
    { key: 'cmin', label: 'minutes, around the clock', factor: 1, clock: 'calendar' },
    { key: 'chour', label: 'hours, around the clock', factor: 60, clock: 'calendar' },
  ];

  /** The settings being edited (with version and preview as last read). */
  let state = null;
  let uid = 0;
  const newId = (prefix) => `${prefix}-${++uid}`;

  /** An element with properties and children (strings become text, never HTML). */
  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === 'dataset') Object.assign(node.dataset, value);
      else if (key.startsWith('aria-') || key === 'for' || key === 'list')
        node.setAttribute(key, String(value));
      else node[key] = value;
    }
    for (const child of children) if (child != null) node.append(child);
    return node;
  }

  /** An input with its label and an error line (described by both), in a .field block. */
  function field(labelText, input, options = {}) {
    input.id = input.id || newId('f');
    const error = el('p', { className: 'field-error', id: newId('err'), hidden: true });
    input.dataset.error = error.id;
    input.setAttribute('aria-describedby', [options.hint?.id, error.id].filter(Boolean).join(' '));
    const label = el('label', { for: input.id }, labelText);
    return el('div', { className: 'field' }, label, input, options.hint ?? null, error);
  }

  const list = (text) =>
    text
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);

  // --- Weekly hours (also used inside academic periods) -------------------------------------------

  /** Draws a week editor for `schedule` (edited in place); `prefix` is its field path ("weeklyHours"). */
  function renderWeek(container, schedule, prefix, context = '') {
    container.replaceChildren();
    for (const [day, dayName] of DAYS) {
      if (!Array.isArray(schedule[day])) schedule[day] = [];
      const periods = schedule[day];
      const legend = el('legend', {}, dayName);
      const rows = el('div', { className: 'week-periods' });
      const box = el('fieldset', { className: 'week-day' }, legend, rows);
      const draw = () => {
        rows.replaceChildren();
        if (periods.length === 0) rows.append(el('p', { className: 'closed-note' }, 'Closed'));
        periods.forEach((period, index) => {
          const what = `${context}${dayName} period ${index + 1}`;
          const error = el('p', { className: 'field-error', id: newId('err'), hidden: true });
          const time = (key, word) => {
            const input = el('input', {
              type: 'time',
              value: period[key] === '24:00' ? '00:00' : period[key],
              'aria-label': `${what} ${word}`,
              'aria-describedby': error.id,
              dataset: { field: `${prefix}.${day}[${index}].${key}`, error: error.id },
            });
            input.addEventListener('change', () => {
              period[key] = input.value;
            });
            return input;
          };
          const remove = actionButton(
            'Remove',
            what,
            () => {
              periods.splice(index, 1);
              draw();
            },
            true,
          );
          rows.append(
            el(
              'div',
              { className: 'period-row', dataset: { field: `${prefix}.${day}[${index}]`, error: error.id } },
              time('start', 'opens'),
              el('span', { 'aria-hidden': 'true' }, '–'),
              time('end', 'closes'),
              remove,
              error,
            ),
          );
        });
        const add = actionButton('Add period', `to ${context}${dayName}`, () => {
          const last = periods[periods.length - 1];
          periods.push(
            last
              ? { start: last.end === '24:00' ? '00:00' : last.end, end: '17:00' }
              : { start: '09:00', end: '17:00' },
          );
          draw();
          rows.querySelector('.period-row:last-of-type input')?.focus();
        });
        add.className = 'button-quiet';
        rows.append(el('div', {}, add));
      };
      draw();
      container.append(box);
    }
  }

  // --- Closures -----------------------------------------------------------------------------------

  function renderClosures() {
    const body = $('closures-body');
    body.replaceChildren();
    state.closures.forEach((closure, index) => {
      const remove = actionButton(
        'Remove',
        closure.name,
        () => {
          state.closures.splice(index, 1);
          renderClosures();
          announce(`Removed ${closure.name}. Save to keep the change.`);
        },
        true,
      );
      const actions = cell('Actions');
      actions.append(remove);
      body.append(
        el(
          'tr',
          { dataset: { field: `closures[${index}]`, error: 'closures-error' } },
          cell('Name', closure.name),
          cell('From', closure.start),
          cell('To', closure.end || closure.start),
          cell('Source', closure.source === 'ics' ? 'Calendar import' : 'Typed here'),
          actions,
        ),
      );
    });
    $('closures-empty').hidden = state.closures.length > 0;
    $('closures').hidden = state.closures.length === 0;
  }

  $('closure-add').addEventListener('click', () => {
    const name = $('closure-name').value.trim();
    const start = $('closure-start').value;
    const end = $('closure-end').value || start;
    const error = $('closure-add-error');
    const problem = !name
      ? 'Give the closure a name.'
      : !start
        ? 'Choose the first day.'
        : end < start
          ? '"To" is before "From".'
          : '';
    error.textContent = problem;
    error.hidden = !problem;
    if (problem) {
      (!name ? $('closure-name') : $('closure-start')).focus();
      return;
    }
    state.closures.push({ name, start, end, source: 'manual' });
    state.closures.sort((a, b) => a.start.localeCompare(b.start));
    $('closure-name').value = '';
    $('closure-start').value = '';
    $('closure-end').value = '';
    renderClosures();
    announce(`Added ${name}. Save to keep it.`);
  });

  // --- .ics import --------------------------------------------------------------------------------

  function icsBusy(text) {
    $('ics-progress').hidden = !text;
    $('ics-status-text').textContent = text || '';
    $('ics-file-button').disabled = Boolean(text);
    $('ics-url-button').disabled = Boolean(text);
  }

  async function importIcs(init, what) {
    const error = $('ics-error');
    error.hidden = true;
    icsBusy(`Importing ${what}…`);
    try {
      const response = await api('/api/settings/sla/ics', { method: 'POST', ...init });
      const body = await readJson(response);
      icsBusy('');
      if (!response.ok) {
        error.textContent = messageOf(body, response);
        error.hidden = false;
        return;
      }
      // Only the closures and the version change: other edits on the page stay as they are.
      state.closures = body.data.closures;
      state.version = body.data.version;
      state.preview = body.data.preview;
      renderClosures();
      renderPreview();
      const text = `Imported ${body.imported} closure${body.imported === 1 ? '' : 's'} from ${what}${body.skipped ? ` (${body.skipped} timed or past events skipped)` : ''}.`;
      $('ics-status-text').textContent = text;
      announce(text);
    } catch {
      icsBusy('');
      error.textContent = 'The server could not be reached. Please try again.';
      error.hidden = false;
    }
  }

  $('ics-file-button').addEventListener('click', async () => {
    const file = $('ics-file').files?.[0];
    if (!file) {
      $('ics-error').textContent = 'Choose an .ics file first.';
      $('ics-error').hidden = false;
      $('ics-file').focus();
      return;
    }
    await importIcs({ headers: { 'content-type': 'text/calendar' }, body: await file.text() }, file.name);
  });

  $('ics-url-button').addEventListener('click', async () => {
    const url = $('ics-url').value.trim();
    if (!url) {
      $('ics-error').textContent = 'Give the calendar URL first.';
      $('ics-error').hidden = false;
      $('ics-url').focus();
      return;
    }
    await importIcs(
      { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url }) },
      'the URL',
    );
  });

  // --- Academic periods ---------------------------------------------------------------------------

  function renderPeriods() {
    const container = $('periods');
    container.replaceChildren();
    state.academicPeriods.forEach((period, index) => {
      const prefix = `academicPeriods[${index}]`;
      const title = period.name || `Academic period ${index + 1}`;
      const name = el('input', {
        type: 'text',
        value: period.name,
        maxLength: 120,
        dataset: { field: `${prefix}.name` },
      });
      name.addEventListener('change', () => {
        period.name = name.value.trim();
      });
      const start = el('input', { type: 'date', value: period.start, dataset: { field: `${prefix}.start` } });
      start.addEventListener('change', () => {
        period.start = start.value;
      });
      const end = el('input', { type: 'date', value: period.end, dataset: { field: `${prefix}.end` } });
      end.addEventListener('change', () => {
        period.end = end.value;
      });
      const closed = el('input', { type: 'checkbox', checked: period.closed, id: newId('closed') });
      const week = el('div', { className: 'week', dataset: { field: `${prefix}.hours` } });
      period.hours = period.hours || {};
      renderWeek(week, period.hours, `${prefix}.hours`, `${title}: `);
      week.hidden = period.closed;
      closed.addEventListener('change', () => {
        period.closed = closed.checked;
        week.hidden = closed.checked;
      });
      const remove = actionButton(
        'Remove',
        title,
        () => {
          state.academicPeriods.splice(index, 1);
          renderPeriods();
        },
        true,
      );
      container.append(
        el(
          'div',
          { className: 'item-card', role: 'group', 'aria-label': title },
          el(
            'div',
            { className: 'inline-fields' },
            field('Name', name),
            field('From', start),
            field('To', end),
          ),
          el(
            'div',
            { className: 'field' },
            el('label', { for: closed.id }, closed, ' Closed (no hours, e.g. a term break)'),
          ),
          week,
          remove,
        ),
      );
    });
  }

  $('period-add').addEventListener('click', () => {
    state.academicPeriods.push({
      name: '',
      start: '',
      end: '',
      closed: false,
      // Starts from the usual week, to lengthen or shorten.
      hours: structuredClone(state.weeklyHours),
    });
    renderPeriods();
    $('periods').querySelector('.item-card:last-child input')?.focus();
  });

  // --- Policies -----------------------------------------------------------------------------------

  function unitOf(target) {
    if (target.clock === 'calendar') return target.minutes % 60 === 0 ? 'chour' : 'cmin';
    if (target.minutes % 480 === 0) return 'bday';
    return target.minutes % 60 === 0 ? 'bhour' : 'bmin';
  }

  function targetCell(policy, priority, priorityName, targetKey, targetName, prefix) {
    const target = policy.targets[priority][targetKey];
    const unit = UNITS.find((u) => u.key === unitOf(target));
    const path = `${prefix}.targets.${priority}.${targetKey}`;
    const error = el('p', { className: 'field-error', id: newId('err'), hidden: true });
    const amount = el('input', {
      type: 'number',
      min: 1,
      step: 'any',
      value: String(target.minutes / unit.factor),
      'aria-label': `${policy.name || 'Policy'}: ${priorityName} ${targetName.toLowerCase()}`,
      'aria-describedby': error.id,
      dataset: { field: `${path}.minutes`, error: error.id },
    });
    const select = el('select', {
      'aria-label': `${policy.name || 'Policy'}: ${priorityName} ${targetName.toLowerCase()} unit`,
      dataset: { field: `${path}.clock`, error: error.id },
    });
    for (const u of UNITS)
      select.append(el('option', { value: u.key, selected: u.key === unit.key }, u.label));
    const update = () => {
      const chosen = UNITS.find((u) => u.key === select.value) || UNITS[0];
      policy.targets[priority][targetKey] = {
        minutes: Math.round(Number(amount.value) * chosen.factor),
        clock: chosen.clock,
      };
    };
    amount.addEventListener('change', update);
    select.addEventListener('change', update);
    const td = cell(targetName);
    td.append(el('div', { className: 'target-cell' }, amount, select), error);
    return td;
  }

  function renderPolicies() {
    const container = $('policies');
    container.replaceChildren();
    state.policies.forEach((policy, index) => {
      const prefix = `policies[${index}]`;
      const name = el('input', {
        type: 'text',
        value: policy.name,
        maxLength: 80,
        dataset: { field: `${prefix}.name` },
      });
      name.addEventListener('change', () => {
        policy.name = name.value.trim();
        renderDefaultPolicy();
        renderRules();
      });
      const table = el('table', { className: 'targets' });
      table.append(
        el('caption', { className: 'visually-hidden' }, `Targets of ${policy.name}`),
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            el('th', { scope: 'col' }, 'Priority'),
            ...TARGETS.map(([, label]) => el('th', { scope: 'col' }, label)),
          ),
        ),
      );
      const tbody = el('tbody');
      for (const [priority, priorityName] of PRIORITIES) {
        tbody.append(
          el(
            'tr',
            {},
            el('th', { scope: 'row' }, priorityName),
            ...TARGETS.map(([key, label]) => targetCell(policy, priority, priorityName, key, label, prefix)),
          ),
        );
      }
      table.append(tbody);
      const card = el(
        'div',
        { className: 'item-card', role: 'group', 'aria-label': `Policy ${policy.name}` },
        field('Policy name', name),
        table,
      );
      if (state.policies.length > 1) {
        card.append(
          actionButton(
            'Remove',
            `policy ${policy.name}`,
            () => {
              state.policies.splice(index, 1);
              if (state.defaultPolicyId === policy.id) state.defaultPolicyId = state.policies[0].id;
              renderPolicies();
              renderRules();
            },
            true,
          ),
        );
      }
      container.append(card);
    });
    renderDefaultPolicy();
  }

  function renderDefaultPolicy() {
    const select = $('default-policy');
    select.replaceChildren(
      ...state.policies.map((p) =>
        el('option', { value: p.id, selected: p.id === state.defaultPolicyId }, p.name),
      ),
    );
  }
  $('default-policy').addEventListener('change', () => {
    state.defaultPolicyId = $('default-policy').value;
  });

  $('policy-add').addEventListener('click', () => {
    const base = state.policies.find((p) => p.id === state.defaultPolicyId) || state.policies[0];
    let n = state.policies.length + 1;
    while (state.policies.some((p) => p.id === `policy-${n}`)) n++;
    state.policies.push({ id: `policy-${n}`, name: `Policy ${n}`, targets: structuredClone(base.targets) });
    renderPolicies();
    renderRules();
    $('policies').querySelector('.item-card:last-child input')?.focus();
  });

  // --- Rules --------------------------------------------------------------------------------------

  function checkboxes(legendText, options, values, onChange) {
    const box = el('fieldset', { className: 'inline-fields' }, el('legend', {}, legendText));
    for (const [value, label] of options) {
      const input = el('input', { type: 'checkbox', checked: values.includes(value), id: newId('cb') });
      input.addEventListener('change', () => onChange(value, input.checked));
      box.append(el('label', { for: input.id }, input, ` ${label}`));
    }
    return box;
  }

  function renderRules() {
    const container = $('rules');
    container.replaceChildren();
    state.rules.forEach((rule, index) => {
      const prefix = `rules[${index}]`;
      const title = rule.name || `Rule ${index + 1}`;
      const when = rule.when;
      const name = el('input', {
        type: 'text',
        value: rule.name,
        maxLength: 100,
        dataset: { field: `${prefix}.name` },
      });
      name.addEventListener('change', () => {
        rule.name = name.value.trim();
      });
      const policy = el('select', { dataset: { field: `${prefix}.policyId` } });
      policy.append(
        ...state.policies.map((p) => el('option', { value: p.id, selected: p.id === rule.policyId }, p.name)),
      );
      policy.addEventListener('change', () => {
        rule.policyId = policy.value;
      });
      const text = (key, label, hint) => {
        const input = el('input', {
          type: 'text',
          value: (when[key] || []).join(', '),
          dataset: { field: `${prefix}.when.${key}` },
        });
        input.addEventListener('change', () => {
          when[key] = list(input.value);
        });
        return field(label, input, { hint: el('p', { className: 'hint', id: newId('hint') }, hint) });
      };
      const toggle = (key) => (value, on) => {
        when[key] = on
          ? [...new Set([...(when[key] || []), value])]
          : (when[key] || []).filter((v) => v !== value);
      };
      const card = el(
        'div',
        {
          className: 'item-card',
          role: 'group',
          'aria-label': title,
          dataset: { field: `${prefix}.when`, error: newId('x') },
        },
        el('div', { className: 'inline-fields' }, field('Rule name', name), field('Use policy', policy)),
        checkboxes('Priorities', PRIORITIES, when.priorities || [], toggle('priorities')),
        checkboxes('Roles', ROLES, when.roles || [], toggle('roles')),
        text('categories', 'Categories', 'Such as Access, Grades.'),
        text('courseIds', 'Course ids', 'Ids as the inbox shows them.'),
        text('keywordRuleIds', 'Keyword rule ids', 'From Handoff settings.'),
      );
      const error = el('p', { className: 'field-error', id: card.dataset.error, hidden: true });
      card.append(error);
      if (index > 0) {
        card.append(
          actionButton('Move up', title, () => {
            state.rules.splice(index - 1, 0, ...state.rules.splice(index, 1));
            renderRules();
          }),
          ' ',
        );
      }
      card.append(
        actionButton(
          'Remove',
          title,
          () => {
            state.rules.splice(index, 1);
            renderRules();
          },
          true,
        ),
      );
      container.append(card);
    });
  }

  $('rule-add').addEventListener('click', () => {
    let n = state.rules.length + 1;
    while (state.rules.some((r) => r.id === `rule-${n}`)) n++;
    state.rules.push({
      id: `rule-${n}`,
      name: '',
      policyId: state.defaultPolicyId,
      when: { priorities: [], categories: [], roles: [], courseIds: [], keywordRuleIds: [] },
    });
    renderRules();
    $('rules').querySelector('.item-card:last-child input')?.focus();
  });

  // --- Simple settings and the preview ------------------------------------------------------------

  function fillSimple() {
    $('time-zone').value = state.timeZone;
    $('warn-share').value = String(Math.round(state.warnShare * 100));
    $('pause-learner').checked = state.pauseWhileWaitingOnLearner;
    $('esc-leads').value = String(state.escalation.leadsAfterMinutes);
    $('esc-final').value = String(state.escalation.finalAfterMinutes);
    $('esc-action').value = state.escalation.finalAction;
    $('digest-enabled').checked = state.digest.enabled;
    $('digest-hours').value = String(state.digest.everyBusinessMinutes / 60);
  }

  function readSimple() {
    state.timeZone = $('time-zone').value.trim();
    state.warnShare = Number($('warn-share').value) / 100;
    state.pauseWhileWaitingOnLearner = $('pause-learner').checked;
    state.escalation = {
      leadsAfterMinutes: Number($('esc-leads').value),
      finalAfterMinutes: Number($('esc-final').value),
      finalAction: $('esc-action').value,
    };
    state.digest = {
      enabled: $('digest-enabled').checked,
      everyBusinessMinutes: Math.round(Number($('digest-hours').value) * 60),
    };
  }

  function renderPreview() {
    const preview = $('preview');
    const normal = (state.preview || []).find((p) => p.priority === 'normal');
    if (!normal) {
      preview.textContent = 'No reply-by preview: the saved calendar has no open hours ahead.';
      return;
    }
    const others = (state.preview || [])
      .filter((p) => p.priority !== 'normal')
      .map((p) => `${p.priority} by ${p.text}`)
      .join('; ');
    preview.replaceChildren(
      el('strong', {}, `A normal-priority handoff now would be answered by ${normal.text}.`),
      el('br'),
      el('span', { className: 'hint' }, `With the saved settings: ${others}.`),
    );
  }

  function renderAll() {
    fillSimple();
    renderWeek($('week'), state.weeklyHours, 'weeklyHours');
    renderClosures();
    renderPeriods();
    renderPolicies();
    renderRules();
    renderPreview();
  }

  // --- Errors next to their fields ----------------------------------------------------------------

  function clearErrors() {
    for (const node of root.querySelectorAll('.field-error')) {
      node.textContent = '';
      node.hidden = true;
    }
    for (const node of root.querySelectorAll('[aria-invalid]')) node.removeAttribute('aria-invalid');
    $('form-error').hidden = true;
  }

  /** "weeklyHours.mon[1]: overlaps…" → shown beside the closest element that edits that field, and above the form. */
  function showServerError(message) {
    const match = /^([A-Za-z][\w.[\]]*): (.*)$/.exec(message);
    const path = match ? match[1] : '';
    let target = null;
    if (path) {
      const candidates = [...root.querySelectorAll('[data-field]')].filter((node) => {
        const f = node.dataset.field;
        return f === path || path.startsWith(`${f}.`) || path.startsWith(`${f}[`);
      });
      candidates.sort((a, b) => b.dataset.field.length - a.dataset.field.length);
      target = candidates[0] || null;
    }
    const box = $('form-error');
    box.textContent = message;
    box.hidden = false;
    if (target) {
      const error = target.dataset.error ? $(target.dataset.error) : null;
      if (error) {
        error.textContent = match ? match[2] : message;
        error.hidden = false;
      }
      const input = target.matches('input, select') ? target : target.querySelector('input, select');
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        input.focus();
        // Clear of the sticky save bar.
        input.scrollIntoView({ block: 'center' });
        return;
      }
    }
    box.focus();
  }

  // --- Load and save ------------------------------------------------------------------------------

  async function load() {
    const response = await api('/api/settings/sla').catch(() => null);
    const body = response ? await readJson(response) : null;
    if (!response?.ok) {
      $('preview').textContent = response ? messageOf(body, response) : 'The server could not be reached.';
      return;
    }
    state = body.data;
    renderAll();
  }

  $('hours-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!state) return;
    readSimple();
    clearErrors();
    const button = $('save-button');
    button.disabled = true;
    $('save-status').textContent = 'Saving…';
    const { preview: _preview, updatedAt: _updatedAt, ...settings } = state;
    try {
      const response = await api('/api/settings/sla', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(settings),
      });
      const body = await readJson(response);
      if (!response.ok) {
        $('save-status').textContent = 'Not saved.';
        showServerError(messageOf(body, response));
        return;
      }
      state = body.data;
      renderAll();
      $('save-status').textContent = 'Saved.';
      announce('Hours and SLAs saved.');
    } catch {
      $('save-status').textContent = 'Not saved.';
      showServerError('The server could not be reached. Please try again.');
    } finally {
      button.disabled = false;
    }
  });

  // Time zones the browser knows, for the picker (typing any IANA name works too).
  try {
    $('time-zones').append(
      ...Intl.supportedValuesOf('timeZone').map((zone) => el('option', { value: zone })),
    );
  } catch {
    // Older browsers: the field stays a plain text input.
  }

  void load();
})();
