// Closures: typed here or imported from an .ics file or URL (the import saves at once).
import { actionButton, cell, messageOf, readJson } from '../common/admin-ui.js';
import { api } from '../common/session.js';
import { renderPreview } from './form.js';
import { $, announce, el, hours } from './page.js';

export function renderClosures() {
  const body = $('closures-body');
  body.replaceChildren();
  hours.settings.closures.forEach((closure, index) => {
    const remove = actionButton(
      'Remove',
      closure.name,
      () => {
        hours.settings.closures.splice(index, 1);
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
  $('closures-empty').hidden = hours.settings.closures.length > 0;
  $('closures').hidden = hours.settings.closures.length === 0;
}

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
    hours.settings.closures = body.data.closures;
    hours.settings.version = body.data.version;
    hours.settings.preview = body.data.preview;
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

/** The closure form and the two import buttons. */
export function wireClosures() {
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
    hours.settings.closures.push({ name, start, end, source: 'manual' });
    hours.settings.closures.sort((a, b) => a.start.localeCompare(b.start));
    $('closure-name').value = '';
    $('closure-start').value = '';
    $('closure-end').value = '';
    renderClosures();
    announce(`Added ${name}. Save to keep it.`);
  });

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
}
