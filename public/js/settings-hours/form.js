// The whole form: the simple settings, the reply-by preview, drawing every part, errors shown beside the
// field they name, and load and save (with the version read, so a change made meanwhile is refused).
import { messageOf, readJson } from '../common/admin-ui.js';
import { api } from '../common/session.js';
import { renderClosures } from './closures.js';
import { $, announce, el, hours, root } from './page.js';
import { renderPeriods } from './periods.js';
import { renderPolicies } from './policies.js';
import { renderRules } from './rules.js';
import { renderWeek } from './week.js';

function fillSimple() {
  $('time-zone').value = hours.settings.timeZone;
  $('warn-share').value = String(Math.round(hours.settings.warnShare * 100));
  $('pause-learner').checked = hours.settings.pauseWhileWaitingOnLearner;
  $('esc-leads').value = String(hours.settings.escalation.leadsAfterMinutes);
  $('esc-final').value = String(hours.settings.escalation.finalAfterMinutes);
  $('esc-action').value = hours.settings.escalation.finalAction;
  $('digest-enabled').checked = hours.settings.digest.enabled;
  $('digest-hours').value = String(hours.settings.digest.everyBusinessMinutes / 60);
}

function readSimple() {
  hours.settings.timeZone = $('time-zone').value.trim();
  hours.settings.warnShare = Number($('warn-share').value) / 100;
  hours.settings.pauseWhileWaitingOnLearner = $('pause-learner').checked;
  hours.settings.escalation = {
    leadsAfterMinutes: Number($('esc-leads').value),
    finalAfterMinutes: Number($('esc-final').value),
    finalAction: $('esc-action').value,
  };
  hours.settings.digest = {
    enabled: $('digest-enabled').checked,
    everyBusinessMinutes: Math.round(Number($('digest-hours').value) * 60),
  };
}

export function renderPreview() {
  const preview = $('preview');
  const normal = (hours.settings.preview || []).find((p) => p.priority === 'normal');
  if (!normal) {
    preview.textContent = 'No reply-by preview: the saved calendar has no open hours ahead.';
    return;
  }
  const others = (hours.settings.preview || [])
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
  renderWeek($('week'), hours.settings.weeklyHours, 'weeklyHours');
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

export async function load() {
  const response = await api('/api/settings/sla').catch(() => null);
  const body = response ? await readJson(response) : null;
  if (!response?.ok) {
    $('preview').textContent = response ? messageOf(body, response) : 'The server could not be reached.';
    return;
  }
  hours.settings = body.data;
  renderAll();
}

export function wireSave() {
  $('hours-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!hours.settings) return;
    readSimple();
    clearErrors();
    const button = $('save-button');
    button.disabled = true;
    $('save-status').textContent = 'Saving…';
    const { preview: _preview, updatedAt: _updatedAt, ...settings } = hours.settings;
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
      hours.settings = body.data;
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
}
