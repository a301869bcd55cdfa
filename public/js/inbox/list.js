// @ts-check
// The conversation list: loading a page of the current view (keyset "Load more"), drawing each row, the
// view counts and the empty state.
import { sendJson, showError } from '../common/admin-ui.js';
import { el } from '../common/dom.js';
import {
  courseName,
  describeReason,
  fillReplyBy,
  fillSla,
  learnerName,
  ownerText,
  PRIORITY_LABEL,
  VIEW_LABEL,
} from './format.js';
import { PAGE_SIZE, root, state, ui } from './page.js';
import { openThread } from './thread.js';

/**
 * The list endpoint for the current view and filters.
 * @param {Record<string, string | null>} [extra]
 */
export function listQuery(extra = {}) {
  const params = new URLSearchParams({ view: state.view, limit: String(PAGE_SIZE) });
  for (const [key, value] of Object.entries(state.filters)) if (value) params.set(key, value);
  for (const [key, value] of Object.entries(extra)) if (value) params.set(key, value);
  return `/api/inbox/conversations?${params}`;
}

export function showCounts(counts) {
  if (!counts) return;
  for (const node of /** @type {NodeListOf<HTMLElement>} */ (root.querySelectorAll('[data-count]'))) {
    const value = counts[node.dataset.count || ''];
    node.textContent = typeof value === 'number' ? String(value) : '';
    node.dataset.zero = String(value === 0);
  }
}

/** The list entry's content: learner, course, reason, preview, reply-by, priority, owner, unread. */
export function fillItem(entry, item) {
  const button = entry.button;
  button.replaceChildren();
  button.dataset.status = item.status;
  button.dataset.priority = item.priority;
  const top = el('span', 'item-top');
  const name = el('span', 'item-learner', learnerName(item));
  top.append(name);
  if (item.unread && state.current?.id !== item.id) {
    top.append(el('span', 'unread-dot'));
    top.append(el('span', 'visually-hidden', ' (unread)'));
  }
  const badge = el(
    'span',
    `priority-badge priority-${item.priority}`,
    PRIORITY_LABEL[item.priority] || item.priority,
  );
  top.append(badge);
  const meta = el('span', 'item-meta');
  const parts = [courseName(item), item.category, (item.reasons || []).map(describeReason).join('; ')].filter(
    Boolean,
  );
  meta.textContent = parts.join(' · ');
  const preview = el('span', 'item-preview', item.preview || '');
  const bottom = el('span', 'item-bottom');
  const slaNode = el('span', 'item-sla');
  entry.sla = slaNode;
  fillSla(slaNode, item.status === 'resolved' ? undefined : item.sla);
  if (!slaNode.hidden) bottom.append(slaNode, document.createTextNode(' · '));
  if (item.replyBy && item.status !== 'resolved') {
    const due = el('time', 'item-reply-by');
    fillReplyBy(due, item.replyBy);
    bottom.append(due, document.createTextNode(' · '));
  }
  bottom.append(el('span', 'item-owner', ownerText(item)));
  button.append(top, meta, preview, bottom);
  entry.item = item;
}

export function createEntry(item) {
  const li = el('li', 'conversation');
  const button = el('button', 'conversation-item');
  button.type = 'button';
  button.dataset.id = item.id;
  button.addEventListener('click', () => openThread(item.id, { focus: true }));
  li.append(button);
  return { li, button, item, sla: /** @type {HTMLElement | undefined} */ (undefined) };
}

/** Keeps the filter menus offering the categories and courses seen so far. */
export function learnOptions(item) {
  if (item.category) addOption(ui.filterInputs.category, item.category, item.category);
  if (item.course?.id)
    addOption(ui.filterInputs.courseId, item.course.id, item.course.title || item.course.id);
}

/**
 * @param {HTMLSelectElement} select
 * @param {string} value
 * @param {string} label
 */
export function addOption(select, value, label) {
  for (const option of select.options) if (option.value === value) return;
  const option = el('option', '', label);
  option.value = value;
  select.append(option);
}

export function updateEmpty() {
  ui.listEmpty.hidden = state.items.size > 0;
  ui.listEmpty.textContent = state.filters.q
    ? `No conversations match "${state.filters.q}".`
    : `No conversations in ${VIEW_LABEL[state.view]}.`;
}

export function markSelected() {
  for (const entry of state.items.values()) {
    if (state.current?.id === entry.item.id) entry.button.setAttribute('aria-current', 'true');
    else entry.button.removeAttribute('aria-current');
  }
}

/** Loads the first page (replacing the list) or the next one ("Load more"). */
export async function loadList({ append = false } = {}) {
  const { list, loadMore } = ui;
  const request = ++state.listRequest;
  list.setAttribute('aria-busy', 'true');
  loadMore.disabled = true;
  const result = await sendJson(listQuery(append ? { cursor: state.nextCursor } : {}));
  if (request !== state.listRequest) return;
  list.setAttribute('aria-busy', 'false');
  loadMore.disabled = false;
  if (!result.ok) {
    showError(ui.listError, result.message);
    return;
  }
  showError(ui.listError, '');
  const body = result.body;
  if (body.zone?.timeZone) state.zone = body.zone;
  if (!append) {
    list.replaceChildren();
    state.items.clear();
  }
  state.pages = append ? state.pages + 1 : 1;
  const firstNew = [];
  for (const item of body.items || []) {
    state.known.set(item.id, item.status);
    state.knownSla.set(item.id, item.sla?.state);
    if (state.items.has(item.id)) continue;
    const entry = createEntry(item);
    fillItem(entry, item);
    state.items.set(item.id, entry);
    list.append(entry.li);
    firstNew.push(entry);
    learnOptions(item);
  }
  markSelected();
  showCounts(body.counts);
  state.nextCursor = body.nextCursor || null;
  loadMore.hidden = !state.nextCursor;
  updateEmpty();
  if (append && firstNew[0]) firstNew[0].button.focus();
}

/** @type {number | undefined} */
let countsTimer;
/** Counts change with every live update; fetch them at most twice a second. */
export function refreshCountsSoon() {
  if (countsTimer) return;
  countsTimer = window.setTimeout(async () => {
    countsTimer = undefined;
    // The counts under the current filters (every list answer carries them).
    const result = await sendJson(listQuery({ limit: '1' }));
    if (result.ok) showCounts(result.body.counts);
  }, 500);
}
