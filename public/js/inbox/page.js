// @ts-check
// The inbox page's elements, who is signed in, and the state every panel reads: the list shown, the open
// thread, the staff and canned replies. The server renders the role and the reason labels into the page.
import { announcer } from '../common/admin-ui.js';
import { pageData } from '../common/dom.js';
import { token } from '../common/session.js';

/** @typedef {import('../../../src/inbox/presence.js').PresencePerson} PresencePerson */
/**
 * The open thread; its conversation and permissions are what /api/inbox/conversations/:id answered.
 * @typedef {{ id: string, conversation: any, permissions: Record<string, boolean>, viewers: PresencePerson[], typing: PresencePerson[] }} OpenThread
 */

export const root = /** @type {HTMLElement} */ (document.getElementById('inbox'));

/** @type {(id: string) => any} */
export const $ = (id) => document.getElementById(id);

export const ui = {
  listPane: $('list-pane'),
  list: $('conversation-list'),
  listEmpty: $('list-empty'),
  listError: $('list-error'),
  loadMore: $('load-more'),
  connection: $('connection'),
  searchForm: $('search-form'),
  search: $('search'),
  filterSummary: $('filter-summary'),
  filterInputs: {
    category: $('filter-category'),
    courseId: $('filter-course'),
    priority: $('filter-priority'),
    teamId: $('filter-team'),
  },
  placeholder: $('thread-placeholder'),
  thread: $('thread'),
  threadTitle: $('thread-title'),
  threadStatus: $('thread-status'),
  presenceLine: $('presence'),
  threadError: $('thread-error'),
  handoffCard: $('handoff-card'),
  history: $('history'),
  claimButton: $('claim-button'),
  ownerLine: $('owner-line'),
  replyForm: $('reply-form'),
  /** @type {HTMLTextAreaElement} */
  reply: $('reply'),
  replyWhy: $('reply-why'),
  sendReply: $('send-reply'),
  canned: $('canned'),
  insertCanned: $('insert-canned'),
  noteForm: $('note-form'),
  /** @type {HTMLTextAreaElement} */
  note: $('note'),
  addNote: $('add-note'),
  transferRow: $('transfer-row'),
  transferTarget: $('transfer-target'),
  transferButton: $('transfer-button'),
  resolveRow: $('resolve-row'),
  resolution: $('resolution'),
  resolveButton: $('resolve-button'),
  handBackButton: $('hand-back-button'),
  reopenButton: $('reopen-button'),
};

export const announceList = announcer($('list-announcer'));
export const announceThread = announcer($('thread-announcer'));

/**
 * Who is signed in: the user id from the session token (a signed JWT); the name and the role as the
 * server rendered them into the page.
 */
export const me = { userId: tokenUserId(), name: root.dataset.userName || '', role: root.dataset.role || '' };

function tokenUserId() {
  try {
    const part = (token() || '').split('.')[1] || '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    return String(JSON.parse(json).uid || '');
  } catch {
    return '';
  }
}

/** What staff pages call each handoff reason code (src/handoff/reason-labels.ts, rendered by the server). */
export const REASON_LABEL = /** @type {Record<string, string>} */ (pageData('reason-labels', {}));

export const PAGE_SIZE = 25;

export const state = {
  /** @type {string} */
  view: 'attention',
  /** @type {Record<string, string>} */
  filters: { category: '', courseId: '', priority: '', teamId: '', q: '' },
  /** @type {Map<string, any>} id -> { item, li } in list order (the DOM keeps the order). */
  items: new Map(),
  /** @type {string | null} */
  nextCursor: null,
  /** id -> status of every thread seen since the page opened (to announce only new waiting ones). */
  known: new Map(),
  /** id -> SLA state of every thread seen since the page opened (to announce a change to at risk). */
  knownSla: new Map(),
  /** How many pages are shown (1 + each "Load more"). */
  pages: 0,
  listRequest: 0,
  /** @type {OpenThread | null} */
  current: null,
  threadRequest: 0,
  /** @type {Map<string, HTMLLIElement>} message id or client id -> <li> of the open thread */
  rendered: new Map(),
  /** @type {any[]} */
  staff: [],
  /** @type {any[]} */
  teams: [],
  /** @type {any[]} */
  replies: [],
  /**
   * The zone reply-by and due times are written in: the tenant's calendar zone, named ("New York time"),
   * as every list and thread answer says. The browser's own zone until the first answer.
   */
  zone: { timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, name: 'your time' },
};

/** The open thread, where only an open thread can be acted on (its actions are hidden otherwise). */
export const openThreadState = () => /** @type {OpenThread} */ (state.current);

/**
 * The API path of an action on the open thread.
 * @param {string} action
 */
export function currentPath(action) {
  return `/api/inbox/conversations/${encodeURIComponent(openThreadState().id)}/${action}`;
}
