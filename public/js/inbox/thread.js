// @ts-check
// The thread pane: opening a conversation, drawing its header, handoff card and history, and reading it
// again after a change.
import { sendJson, showError } from '../common/admin-ui.js';
import { el } from '../common/dom.js';
import { refreshCounters } from './composer.js';
import { statusText } from './format.js';
import { renderHandoff } from './handoff-card.js';
import { renderMessage } from './history.js';
import { fillItem, markSelected } from './list.js';
import { $, me, root, state, ui } from './page.js';
import { applyPermissions } from './permissions.js';
import { heartbeatRunning, renderPresence, resetTyping, startHeartbeat, stopHeartbeat } from './presence.js';
import { loadSupport } from './support.js';

/** The fields a list row shows, taken from a thread's conversation (it is an InboxItem with more). */
const ITEM_FIELDS = [
  'id',
  'status',
  'priority',
  'category',
  'learner',
  'course',
  'assignee',
  'team',
  'replyBy',
  'sla',
  'lastMessageAt',
];

function pickItem(conversation) {
  /** @type {Record<string, any>} */
  const item = Object.fromEntries(ITEM_FIELDS.map((key) => [key, conversation[key]]));
  item.reasons = conversation.reasons || [];
  if (conversation.preview !== undefined) item.preview = conversation.preview;
  return item;
}

/**
 * A resolved thread's staff reply can become a knowledge Q&A (admins, as on the Knowledge page): a link to
 * the form on the Insights page (public/js/insights-gaps.js opens it from #qa=<id>).
 */
function offerGapQa(conversation) {
  let link = $('gap-qa-link');
  if (!link) {
    link = el('a', 'gap-qa-link', 'Turn into a Q&A');
    link.id = 'gap-qa-link';
    link.dataset.sessionLink = '';
    ui.threadStatus.after(link);
  }
  link.href = `/insights#qa=${encodeURIComponent(conversation.id)}`;
  link.hidden = conversation.status !== 'resolved' || me.role !== 'admin';
}

/**
 * @param {any} body what /api/inbox/conversations/:id answered
 * @param {{ error?: string }} [options]
 */
function showThread(body, options = {}) {
  const { conversation, messages, permissions, viewers } = body;
  if (body.zone?.timeZone) state.zone = body.zone;
  const switching = state.current?.id !== conversation.id;
  if (switching) {
    ui.history.replaceChildren();
    state.rendered.clear();
    ui.reply.value = '';
    ui.note.value = '';
    refreshCounters();
    resetTyping();
  }
  state.current = {
    id: conversation.id,
    conversation,
    permissions: permissions || {},
    viewers: viewers || [],
    typing: switching ? [] : state.current?.typing || [],
  };
  ui.placeholder.hidden = true;
  ui.thread.hidden = false;
  // A refresh keeps an error on screen; opening another thread, or a new error, replaces it.
  if (switching || options.error) showError(ui.threadError, options.error || '');
  ui.threadTitle.textContent = `${conversation.learner?.name || 'Unnamed learner'}${conversation.course?.title ? ` · ${conversation.course.title}` : ''}`;
  ui.threadStatus.textContent = statusText(conversation);
  renderHandoff(conversation);
  for (const message of messages || []) renderMessage(message);
  applyPermissions();
  offerGapQa(conversation);
  renderPresence();
  // Opening marks it read for this admin.
  const entry = state.items.get(conversation.id);
  if (entry) fillItem(entry, { ...entry.item, ...pickItem(conversation), unread: false });
  markSelected();
}

/**
 * Opens a thread (or reads the open one again).
 * @param {string} id
 * @param {{ focus?: boolean, error?: string }} [options]
 */
export async function openThread(id, options = {}) {
  const request = ++state.threadRequest;
  root.dataset.pane = 'thread';
  if (state.current?.id !== id) {
    ui.thread.hidden = true;
    ui.placeholder.hidden = false;
    ui.placeholder.textContent = 'Loading the conversation…';
  }
  const result = await sendJson(`/api/inbox/conversations/${encodeURIComponent(id)}`);
  if (request !== state.threadRequest) return;
  if (!result.ok) {
    ui.placeholder.hidden = false;
    ui.placeholder.textContent = result.message;
    ui.thread.hidden = true;
    if (state.current?.id === id) state.current = null;
    return;
  }
  const changed = state.current?.id !== id;
  showThread(result.body, options);
  if (changed || !heartbeatRunning()) startHeartbeat();
  if (changed) void loadSupport();
  if (changed) {
    if (location.hash !== `#conversation=${id}`) window.history.replaceState(null, '', `#conversation=${id}`);
  }
  if (options.focus) ui.threadTitle.focus();
}

/** @type {number | undefined} */
let threadTimer;
export function refreshThreadSoon() {
  if (threadTimer || !state.current) return;
  threadTimer = window.setTimeout(() => {
    threadTimer = undefined;
    if (state.current) void openThread(state.current.id);
  }, 300);
}

/** "Back to conversations" (the narrow layout shows one pane at a time). */
export function wireBackButton() {
  $('back-button').addEventListener('click', () => {
    const id = state.current?.id;
    root.dataset.pane = 'list';
    // Not viewing the thread any more: stop the heartbeats (they resume when it is opened again).
    stopHeartbeat();
    const entry = id && state.items.get(id);
    (entry ? entry.button : ui.listPane.querySelector('[aria-selected="true"]'))?.focus();
  });
}
