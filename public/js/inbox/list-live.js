// @ts-check
// A list item changed or appeared over the live channel: where it goes in the current view (or whether it
// leaves it), and what is announced (a thread that starts waiting, an SLA turning at risk or breached).
import { describeReason, learnerName, PRIORITY_RANK, slaText } from './format.js';
import {
  createEntry,
  fillItem,
  learnOptions,
  loadList,
  markSelected,
  refreshCountsSoon,
  updateEmpty,
} from './list.js';
import { announceList, me, state, ui } from './page.js';
import { refreshThreadSoon } from './thread.js';

/**
 * Whether a live item belongs in the current view: true, false, or null when the item cannot tell
 * (Needs attention holds owned threads whose learner wrote last). Items that list their views decide.
 * @returns {boolean | null | undefined}
 */
export function matchesView(item) {
  const f = state.filters;
  if (f.category && item.category !== f.category) return false;
  if (f.courseId && item.course?.id !== f.courseId) return false;
  if (f.priority && item.priority !== f.priority) return false;
  if (f.teamId && item.team?.id !== f.teamId) return false;
  if (Array.isArray(item.views)) return item.views.includes(state.view);
  const assignedToMe = Boolean(item.assignee?.userId) && item.assignee.userId === me.userId;
  // At risk and Breached follow the server's SLA state (src/inbox/index-doc.ts viewsOf).
  const withPeople = item.status === 'waiting' || item.status === 'assigned';
  return /** @type {Record<string, boolean | null>} */ ({
    attention: item.status === 'waiting' ? true : item.status === 'assigned' ? null : false,
    mine: assignedToMe && item.status === 'assigned',
    unassigned: item.status === 'waiting',
    at_risk: withPeople && item.sla?.state === 'at_risk',
    breached: withPeople && item.sla?.state === 'breached',
    open: item.status !== 'resolved',
    resolved: item.status === 'resolved',
    all: true,
  })[state.view];
}

/** @type {number | undefined} */
let reconcileTimer;
/** When a live item cannot say where it goes: read the first page again (unless the admin paged on). */
function reconcileSoon() {
  window.clearTimeout(reconcileTimer);
  reconcileTimer = window.setTimeout(() => {
    if (state.pages > 1 || ui.list.contains(document.activeElement)) return;
    void loadList();
  }, 1500);
}

/** The list's order (the server's): reply-by first (missing last), then priority, then newest. */
function compare(a, b) {
  const newest = (x, y) => Date.parse(y.lastMessageAt) - Date.parse(x.lastMessageAt);
  if (state.view === 'resolved') return newest(a, b);
  const ra = a.replyBy ? Date.parse(a.replyBy) : Number.POSITIVE_INFINITY;
  const rb = b.replyBy ? Date.parse(b.replyBy) : Number.POSITIVE_INFINITY;
  if (ra !== rb) return ra < rb ? -1 : 1;
  const pa = PRIORITY_RANK[a.priority] ?? 1;
  const pb = PRIORITY_RANK[b.priority] ?? 1;
  if (pa !== pb) return pb - pa;
  return newest(a, b);
}

/**
 * Puts a row where the server would: before the first item it sorts ahead of. Past the loaded page it
 * arrives with "Load more" instead (keyset order stays consistent).
 */
function place(target, item, isNew) {
  const { list } = ui;
  for (const other of list.children) {
    if (other === target.li) continue;
    const otherEntry = state.items.get(other.firstElementChild?.dataset.id);
    if (otherEntry && compare(item, otherEntry.item) < 0) {
      if (other.previousElementSibling !== target.li) list.insertBefore(target.li, other);
      return;
    }
  }
  if (state.nextCursor && isNew) state.items.delete(item.id);
  else if (list.lastElementChild !== target.li) list.append(target.li);
}

/** A list item changed or appeared (live): update, move, insert or drop it; announce new waiting ones. */
export function onItem(item) {
  learnOptions(item);
  const entry = state.items.get(item.id);
  const before = entry?.item;
  const belongs = matchesView(item);
  if (belongs === null) {
    if (entry) fillItem(entry, item);
    reconcileSoon();
  } else if (entry && !belongs) {
    const hadFocus = entry.li.contains(document.activeElement);
    const next = entry.li.nextElementSibling || entry.li.previousElementSibling;
    entry.li.remove();
    state.items.delete(item.id);
    if (hadFocus) (next?.querySelector('button') || ui.search).focus();
  } else if (belongs && !(state.filters.q && !entry)) {
    const target = entry || createEntry(item);
    const hadFocus = target.li.contains(document.activeElement);
    fillItem(target, item);
    if (!entry) state.items.set(item.id, target);
    place(target, item, !entry);
    if (hadFocus) target.button.focus();
  }
  announceChange(item, before);
  markSelected();
  updateEmpty();
  refreshCountsSoon();
  if (state.current?.id === item.id) refreshThreadSoon();
}

/**
 * Announces a thread that starts waiting (known: every status seen since the page opened, any view), and
 * one whose SLA turns at risk or breached (the row's words change too, but nobody hears those).
 */
function announceChange(item, before) {
  const previous = before?.status ?? state.known.get(item.id);
  state.known.set(item.id, item.status);
  const slaState = item.sla?.state;
  const slaBefore = before ? before.sla?.state : state.knownSla.get(item.id);
  state.knownSla.set(item.id, slaState);
  if (
    slaState !== slaBefore &&
    (slaState === 'at_risk' || slaState === 'breached') &&
    item.status !== 'resolved'
  )
    announceList(`${learnerName(item)}: SLA ${slaText.STATE_LABEL[slaState].toLowerCase()}`);
  if (item.status === 'waiting' && previous !== 'waiting')
    announceList(
      `New conversation waiting: ${learnerName(item)}${item.reasons?.length ? `, ${describeReason(item.reasons[0])}` : ''}`,
    );
}
