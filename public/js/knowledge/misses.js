// Missed questions: a learner's thumbs-down (or asking for a person right after an answer) followed by a
// handoff, stored by the server; the admin labels each: the document that answers it, not covered, or
// dismissed. Paged; the labelled set downloads as JSONL (./misses-export.js).
import { actionButton, sendJson, showError } from '../common/admin-ui.js';
import { dateTime } from '../common/time.js';
import { $, announce, rows } from './page.js';

export const missesSection = $('misses');
const missesList = $('misses-list');
const missesEmpty = $('misses-empty');
const missesCount = $('misses-count');
const missesError = $('misses-error');
const missesPages = $('misses-pages');
const missesPage = $('misses-page');
const missesPrev = $('misses-prev');
const missesNext = $('misses-next');
const perPage = Number(missesSection?.dataset.perPage) || 10;
let page = 1;
let pageCount = 1;
/** id -> { miss, item, parts } */
const misses = new Map();

const LABELS = {
  answerable: 'Answered in',
  out_of_scope: 'Not covered by our documents',
  dismissed: 'Dismissed',
};
const ROLES = { learner: 'Learner', instructor: 'Instructor', admin: 'Admin' };

/** The tenant's uploaded documents (the evaluation matches file names, so Q&A pairs are not offered). */
const documents = () =>
  [...rows.values()]
    .map((entry) => entry.source)
    .filter((source) => source.kind === 'file' && source.version > 0)
    .sort((a, b) => a.title.localeCompare(b.title));

function fillDocuments(select, chosenId) {
  const keep = chosenId ?? select.value;
  const placeholder = document.createElement('option');
  placeholder.value = '';
  placeholder.textContent = 'Choose a document…';
  const options = documents().map((source) => {
    const option = document.createElement('option');
    option.value = source.id;
    option.textContent =
      source.fileName && source.fileName !== source.title
        ? `${source.title} (${source.fileName})`
        : source.title;
    return option;
  });
  select.replaceChildren(placeholder, ...options);
  select.value = options.some((o) => o.value === keep) ? keep : '';
}

function statusText(miss) {
  if (!miss.label) return 'Not reviewed';
  if (miss.label === 'answerable')
    return `${LABELS.answerable}: ${miss.labelSource ? miss.labelSource.title : 'a removed document'}`;
  return LABELS[miss.label];
}

function sourceLine(miss) {
  const names = miss.answer.sources.map((s) => {
    let text = s.title;
    if (s.heading) text += ` › ${s.heading}`;
    if (s.fileName && s.fileName !== s.title) text += ` (${s.fileName})`;
    return text;
  });
  const confidence =
    miss.answer.confidence === null ? '' : ` Confidence ${Math.round(miss.answer.confidence * 100)}%.`;
  if (miss.answer.notCovered)
    return `It said the documents do not cover this${names.length ? `; closest: ${names.join('; ')}` : ''}.${confidence}`;
  return `${names.length ? `From: ${names.join('; ')}.` : 'No source cited.'}${confidence}`;
}

function paragraph(className, text) {
  const p = document.createElement('p');
  p.className = className;
  if (text !== undefined) p.textContent = text;
  return p;
}

function createMiss(miss) {
  const item = document.createElement('li');
  item.className = 'miss';
  item.dataset.missId = miss.id;
  const headingId = `miss-${miss.id}-question`;
  const question = document.createElement('h3');
  question.className = 'miss-question';
  question.id = headingId;
  const status = paragraph('miss-status');
  status.dataset.testid = 'miss-status';
  const meta = paragraph('miss-meta');
  const answerLabel = paragraph('miss-label', 'The assistant answered:');
  const answer = document.createElement('blockquote');
  answer.className = 'miss-answer';
  const sources = paragraph('miss-sources');
  const why = paragraph('miss-why');

  // The label controls: a group named after the question, so each control says what it labels.
  const group = document.createElement('div');
  group.className = 'miss-actions';
  group.setAttribute('role', 'group');
  group.setAttribute('aria-labelledby', `miss-${miss.id}-group ${headingId}`);
  const groupName = document.createElement('span');
  groupName.className = 'visually-hidden';
  groupName.id = `miss-${miss.id}-group`;
  groupName.textContent = 'Label the question';
  const selectId = `miss-${miss.id}-document`;
  const field = document.createElement('span');
  field.className = 'miss-document';
  const selectLabel = document.createElement('label');
  selectLabel.htmlFor = selectId;
  selectLabel.textContent = 'Answered in';
  const select = document.createElement('select');
  select.id = selectId;
  fillDocuments(select, miss.labelSource?.id);
  field.append(selectLabel, select);
  const questionText = `“${miss.question}”`;
  const answered = actionButton('Save document', `for ${questionText}`, () => {
    if (!select.value) {
      showError(parts.error, 'Choose the document that answers this question.');
      select.setAttribute('aria-invalid', 'true');
      select.focus();
      return;
    }
    sendLabel(miss.id, { label: 'answerable', sourceId: select.value }, answered);
  });
  const outOfScope = actionButton(LABELS.out_of_scope, `for ${questionText}`, () =>
    sendLabel(miss.id, { label: 'out_of_scope' }, outOfScope),
  );
  outOfScope.classList.add('button-plain');
  const dismiss = actionButton('Dismiss', questionText, () =>
    sendLabel(miss.id, { label: 'dismissed' }, dismiss),
  );
  dismiss.classList.add('button-plain');
  group.append(groupName, field, answered, outOfScope, dismiss);
  const error = paragraph('form-error');
  error.setAttribute('role', 'alert');
  error.hidden = true;

  item.append(question, status, meta, answerLabel, answer, sources, why, group, error);
  const parts = {
    question,
    status,
    meta,
    answer,
    sources,
    why,
    select,
    error,
    buttons: [answered, outOfScope, dismiss],
  };
  return { item, parts };
}

function fillMiss(entry, miss) {
  const p = entry.parts;
  p.question.textContent = `“${miss.question || '(no question text)'}”`;
  p.status.textContent = statusText(miss);
  entry.item.dataset.label = miss.label || 'none';
  const how = miss.signal === 'thumbs_down' ? 'Thumbs-down' : 'Asked for a person right after this answer';
  p.meta.textContent = `${ROLES[miss.role] || miss.role} · ${miss.languageName} · ${dateTime(miss.recordedAt)} · ${how}`;
  p.answer.textContent = miss.answer.text || '(no answer text)';
  p.sources.textContent = sourceLine(miss);
  p.why.textContent = miss.reasons.length
    ? `Handed off because: ${miss.reasons.join('; ')}.`
    : 'Handed off to people.';
  fillDocuments(p.select, miss.labelSource?.id ?? '');
  entry.miss = miss;
}

function showCount(unreviewed) {
  missesCount.textContent = unreviewed === 1 ? '(1 not reviewed)' : `(${unreviewed} not reviewed)`;
}

export async function loadMisses(focusFirst = false) {
  const result = await sendJson(`/api/knowledge/misses?page=${page}&perPage=${perPage}`);
  if (!result.ok) {
    showError(missesError, result.message);
    return;
  }
  showError(missesError, '');
  const body = result.body;
  pageCount = body.pageCount;
  if (body.data.length === 0 && page > 1 && body.total > 0) {
    // The page emptied (fewer misses than before): show the last one that has any.
    page = pageCount;
    return loadMisses(focusFirst);
  }
  misses.clear();
  const items = body.data.map((miss) => {
    const entry = createMiss(miss);
    fillMiss(entry, miss);
    misses.set(miss.id, entry);
    return entry.item;
  });
  missesList.replaceChildren(...items);
  missesEmpty.hidden = body.total > 0;
  showCount(body.unreviewed);
  missesPages.hidden = pageCount <= 1;
  missesPage.textContent = `Page ${page} of ${pageCount}`;
  missesPrev.disabled = page <= 1;
  missesNext.disabled = page >= pageCount;
  if (focusFirst) {
    const first = missesList.querySelector('h3');
    if (first) {
      first.tabIndex = -1;
      first.focus();
    }
  }
}

async function sendLabel(id, label, button) {
  const entry = misses.get(id);
  if (!entry) return;
  for (const b of entry.parts.buttons) b.disabled = true;
  entry.item.setAttribute('aria-busy', 'true');
  try {
    const result = await sendJson(`/api/knowledge/misses/${encodeURIComponent(id)}/label`, 'PUT', label);
    if (!result.ok) {
      showError(entry.parts.error, result.message);
      return;
    }
    showError(entry.parts.error, '');
    entry.parts.select.removeAttribute('aria-invalid');
    fillMiss(entry, result.body.data);
    showCount(result.body.unreviewed);
    announce(`Labelled “${result.body.data.question}”: ${statusText(result.body.data)}`);
  } finally {
    for (const b of entry.parts.buttons) b.disabled = false;
    entry.item.removeAttribute('aria-busy');
    button.focus();
  }
}

/** Documents finished or removed since: every "Answered in" list offers the current ones. */
export function refreshDocumentLists() {
  for (const entry of misses.values())
    fillDocuments(entry.parts.select, entry.parts.select.value || entry.miss.labelSource?.id);
}

/** The page buttons. */
export function wireMisses() {
  missesPrev?.addEventListener('click', () => {
    if (page <= 1) return;
    page--;
    loadMisses(true);
  });
  missesNext?.addEventListener('click', () => {
    if (page >= pageCount) return;
    page++;
    loadMisses(true);
  });
}
