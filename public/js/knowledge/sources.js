// The Knowledge page's sources table: a row per document or Q&A pair, ingestion progress polled once a
// second while something is busy, search by meaning followed every few seconds while vectors are pending.
import { cell, messageOf, readJson, showError } from '../common/admin-ui.js';
import { api } from '../common/session.js';
import { refreshDocumentLists } from './misses.js';
import { announce, isBusy, nameOf, rows, STATUS, ui } from './page.js';

const POLL_MS = 1000;
// Vectors filled by the retry job arrive over minutes, not seconds.
const MEANING_POLL_MS = 5000;
let pollTimer = null;
let meaningTimer = null;

function createRow(source) {
  const row = document.createElement('tr');
  row.dataset.sourceId = source.id;

  const title = document.createElement('th');
  title.scope = 'row';
  title.dataset.label = 'Title';
  const titleText = document.createElement('span');
  titleText.className = 'source-title';
  const fileName = document.createElement('span');
  fileName.className = 'source-file';
  title.append(titleText, fileName);

  const type = cell('Type');
  const scope = cell('Used in');
  const status = cell('Status');
  const statusText = document.createElement('span');
  statusText.className = 'status-text';
  const progress = document.createElement('progress');
  progress.max = 100;
  progress.className = 'status-progress';
  status.append(statusText, progress);
  const chunks = cell('Passages');
  const meaning = cell('Search by meaning');
  const meaningText = document.createElement('span');
  meaningText.className = 'meaning-text';
  meaning.append(meaningText);

  const actions = cell('Actions');
  const remove = document.createElement('button');
  remove.type = 'button';
  remove.className = 'button-secondary';
  const removeWord = document.createElement('span');
  removeWord.textContent = 'Remove';
  const removeWhat = document.createElement('span');
  removeWhat.className = 'visually-hidden';
  remove.append(removeWord, removeWhat);
  remove.addEventListener('click', () => removeSource(source.id));
  actions.append(remove);

  row.append(title, type, scope, status, chunks, meaning, actions);
  return {
    row,
    cells: { titleText, fileName, type, scope, statusText, progress, chunks, meaningText, removeWhat },
  };
}

/** Writes a source into its row, changing only what changed (keeps focus and screen reader position). */
function fillRow(entry, source) {
  const c = entry.cells;
  const set = (element, text) => {
    if (element.textContent !== text) element.textContent = text;
  };
  set(c.titleText, source.title);
  set(c.fileName, source.fileName && source.fileName !== source.title ? source.fileName : '');
  set(c.type, source.type);
  set(c.scope, source.scope === 'course' ? 'This course' : 'All courses');
  set(c.chunks, String(source.chunkCount));
  set(c.removeWhat, ` ${source.title}`);
  let status = STATUS[source.status] || source.status;
  if (isBusy(source)) status = `${status}: ${source.progress}%`;
  if (source.status === 'failed') {
    status = `Failed: ${source.error || 'the file could not be used'}.`;
    if (source.version > 0) status += ' The previous version is still in use.';
  }
  set(c.statusText, status);
  set(c.meaningText, meaningText(source));
  entry.row.dataset.meaning = source.meaning ? source.meaning.state : 'none';
  entry.row.dataset.status = source.status;
  c.progress.hidden = !isBusy(source);
  if (isBusy(source)) {
    c.progress.value = source.progress;
    c.progress.setAttribute('aria-valuenow', String(source.progress));
    c.progress.setAttribute('aria-valuemin', '0');
    c.progress.setAttribute('aria-valuemax', '100');
    c.progress.setAttribute('aria-label', `Progress of ${nameOf(source)}`);
    c.progress.textContent = `${source.progress}%`;
  }
  entry.source = source;
}

const passages = (n) => (n === 1 ? '1 passage' : `${n} passages`);

/** Search by meaning for one source, in words (the error is the server's failure in plain words). */
function meaningText(source) {
  const { meaning } = source;
  if (!meaning) return source.version > 0 ? 'Checking…' : 'Not live yet';
  const why = meaning.error ? ` Last error: ${meaning.error}.` : '';
  switch (meaning.state) {
    case 'ready':
      return 'Ready';
    case 'pending':
      return `Pending: ${passages(meaning.pending)} waiting for the embedding server; word search works meanwhile.${why}`;
    case 'failing':
      return `Failing: ${passages(meaning.pending)} without vectors, found by word search only.${why}`;
    case 'missing':
      return 'Not available: stored before the embedding server was set up; upload it again.';
    default:
      return 'Off';
  }
}

function showSummary(summary) {
  if (!summary?.text) return;
  if (ui.meaningSummary.textContent !== summary.text) ui.meaningSummary.textContent = summary.text;
  ui.meaningSummary.hidden = false;
}

/** Refreshes the whole list every few seconds while some document waits for its vectors. */
export function scheduleMeaningPoll() {
  if (meaningTimer) return;
  const waiting = [...rows.values()].some(
    (entry) =>
      entry.source.status === 'ready' && (!entry.source.meaning || entry.source.meaning.state === 'pending'),
  );
  if (!waiting) return;
  meaningTimer = setTimeout(() => {
    meaningTimer = null;
    loadSources();
  }, MEANING_POLL_MS);
}

/** Adds or updates a source's row; announces "ready"/"failed" when a known upload finishes. */
export function upsert(source, options = {}) {
  let entry = rows.get(source.id);
  const before = entry?.source;
  if (!entry) {
    entry = createRow(source);
    rows.set(source.id, entry);
    if (options.append) ui.tbody.append(entry.row);
    else ui.tbody.prepend(entry.row);
  }
  fillRow(entry, source);
  if (before && isBusy(before) && !isBusy(source)) {
    if (source.status === 'ready') announce(`${nameOf(source)} is ready`);
    if (source.status === 'failed') announce(`${nameOf(source)} failed: ${source.error}`);
  }
  const was = before?.meaning?.state;
  const now = source.meaning?.state;
  if (was === 'pending' && now === 'ready') announce(`${nameOf(source)}: search by meaning is ready`);
  if (was === 'pending' && now === 'failing') announce(`${nameOf(source)}: search by meaning is failing`);
  ui.empty.hidden = rows.size > 0;
}

function drop(id) {
  const entry = rows.get(id);
  if (!entry) return;
  entry.row.remove();
  rows.delete(id);
  ui.empty.hidden = rows.size > 0;
}

export function schedulePoll() {
  if (pollTimer) return;
  if (![...rows.values()].some((entry) => isBusy(entry.source))) return;
  pollTimer = setTimeout(poll, POLL_MS);
}

/** Refreshes the sources still being ingested, once a second until none is left. */
async function poll() {
  pollTimer = null;
  const busy = [...rows.values()].filter((entry) => isBusy(entry.source)).map((entry) => entry.source.id);
  let finished = false;
  await Promise.all(
    busy.map(async (id) => {
      try {
        const response = await api(`/api/knowledge/sources/${encodeURIComponent(id)}`, {
          headers: { Accept: 'application/json' },
        });
        if (response.status === 404) return drop(id);
        const body = await readJson(response);
        if (response.ok && body?.data) {
          upsert({ ...body.data, meaning: body.meaning ?? null });
          if (!isBusy(body.data)) finished = true;
        }
      } catch {
        // A dropped request is retried on the next tick.
      }
    }),
  );
  // A finished upload changes the search-by-meaning line too: read the whole list once.
  if (finished) await loadSources();
  else schedulePoll();
}

export async function loadSources() {
  try {
    const response = await api('/api/knowledge/sources', { headers: { Accept: 'application/json' } });
    const body = await readJson(response);
    if (!response.ok) {
      showError(ui.listError, messageOf(body, response));
      return;
    }
    showError(ui.listError, '');
    const meanings = body.meaning?.sources ?? {};
    for (const source of body.data)
      upsert({ ...source, meaning: meanings[source.id] ?? null }, { append: true });
    showSummary(body.meaning?.summary);
    ui.empty.hidden = rows.size > 0;
    refreshDocumentLists();
    schedulePoll();
    scheduleMeaningPoll();
  } catch {
    showError(ui.listError, 'The knowledge sources could not be loaded. Check your connection and reload.');
  }
}

export async function removeSource(id) {
  const entry = rows.get(id);
  if (!entry) return;
  const { title } = entry.source;
  if (!window.confirm(`Remove "${title}"? The assistant stops using it right away.`)) return;
  // Where focus goes once the row is gone: the next row's Remove button, else the previous, else the upload.
  const neighbour = entry.row.nextElementSibling || entry.row.previousElementSibling;
  try {
    const response = await api(`/api/knowledge/sources/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      headers: { Accept: 'application/json' },
    });
    if (!response.ok && response.status !== 404) {
      const body = await readJson(response);
      showError(ui.listError, messageOf(body, response));
      return;
    }
    showError(ui.listError, '');
    drop(id);
    announce(`Removed ${title}`);
    (neighbour?.querySelector('button') || ui.fileInput).focus();
  } catch {
    showError(ui.listError, `"${title}" could not be removed. Check your connection and try again.`);
  }
}
