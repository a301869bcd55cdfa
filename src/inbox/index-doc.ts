import type { ConversationStatus, Priority } from '../conversations/conversation.types.js';
import { PRIORITY_RANK } from '../conversations/conversation.types.js';
import type { SlaSnapshot, SlaState, SlaTargetName } from '../sla/sla.types.js';
import type { ProductRole } from '../users/user.model.js';
import type { InboxSla } from './inbox-item.js';

/**
 * What the inbox index keeps per conversation in Redis (a compact JSON value in one hash per tenant): the
 * fields that decide which lists a thread is in and where, and everything a list row shows (including the
 * preview, which the conversation document does not carry). Lists never read MongoDB: FerretDB 1.24 on
 * SQLite answers even `{ _id }` by scanning (measured: its SQL does not match the `_id` index
 * expression), so a page of 25 documents by `_id` costs 25 scans.
 */
export interface IndexDoc {
  /** Conversation version (status changes) and updatedAt (ms): newer readings win. */
  v: number;
  up: number;
  s: ConversationStatus;
  p: Priority;
  /** replyBy, lastMessageAt, resolvedAt (ms). */
  rb?: number;
  lm: number;
  ra?: number;
  /** Learner user id, name (searchable) and role. */
  u: string;
  n?: string;
  r?: ProductRole;
  c?: string;
  /** Course title (from the launch context). */
  ct?: string;
  g?: string;
  /** The thread's team: set on the thread (transfer to a team), else routed by course or category. */
  t?: string;
  a?: string;
  /** Assignee name. */
  an?: string;
  /** Handoff reason codes. */
  rs?: string[];
  /** Last learner/admin line: text (≤140), author, time (ms). */
  pv?: string;
  pa?: 'learner' | 'admin';
  pt?: number;
  /**
   * SLA snapshot from the latest `sla.*` event: state, clock, due and warning times (ms), and the event
   * sequence it came from (an older event never overwrites a newer one).
   */
  ss?: SlaState;
  st?: SlaTargetName;
  sd?: number;
  sw?: number;
  sq?: number;
  /**
   * A lead thread (src/leads): when the learner's latest prospect enquiry was seen (ms), present only
   * while that enquiry is later than the thread's latest handoff. Such a thread belongs to the Leads list
   * and is in no inbox list, count or search ({@link viewsOf}); a genuine handoff afterwards brings it
   * back. Derived from the conversation document (`leadAt` against `handoff.createdAt`), so a rebuild
   * keeps it; a handoff's event drops it at once.
   */
  ld?: number;
}

/** Whether a thread is a lead kept out of the admin inbox (see {@link IndexDoc.ld}). */
export function outOfInbox(doc: Pick<IndexDoc, 'ld' | 's'>): boolean {
  // Only a thread with the bot: the bot hands a thread to people only by a handoff, which drops `ld`;
  // should a mark linger anyway, a thread people hold is never hidden from them.
  return doc.ld !== undefined && doc.s === 'bot';
}

/** The events that carry a thread's SLA snapshot. */
export const SLA_EVENT_NAMES = ['sla.updated', 'sla.warned', 'sla.breached', 'sla.escalated'] as const;

/** The SLA fields of an entry, carried over whenever the entry is rebuilt from the conversation document. */
export const SLA_FIELDS = ['ss', 'st', 'sd', 'sw', 'sq'] as const;

/** An entry with the SLA snapshot of an event of sequence `seq` applied (unless it already has a newer one). */
export function withSla(doc: IndexDoc, sla: SlaSnapshot, seq: number): IndexDoc {
  if (doc.sq !== undefined && doc.sq > seq) return doc;
  const next: IndexDoc = { ...doc, ss: sla.state, sq: seq };
  for (const field of ['st', 'sd', 'sw'] as const) delete next[field];
  if (sla.target) next.st = sla.target;
  const due = sla.dueAt ? Date.parse(sla.dueAt) : Number.NaN;
  const warn = sla.warnAt ? Date.parse(sla.warnAt) : Number.NaN;
  if (Number.isFinite(due)) next.sd = due;
  if (Number.isFinite(warn)) next.sw = warn;
  return next;
}

/** The SLA of a list item, as the page shows it (absent until a clock has run). */
export function slaOf(doc: IndexDoc): InboxSla | undefined {
  if (!doc.ss) return undefined;
  return {
    state: doc.ss,
    ...(doc.st ? { target: doc.st } : {}),
    ...(doc.sd !== undefined ? { dueAt: new Date(doc.sd).toISOString() } : {}),
    ...(doc.sw !== undefined ? { warnAt: new Date(doc.sw).toISOString() } : {}),
  };
}

/** The lists of the inbox (`mine` is per admin). */
const VIEWS = ['attention', 'mine', 'unassigned', 'at_risk', 'breached', 'open', 'resolved', 'all'] as const;
export type InboxView = (typeof VIEWS)[number];
export const INBOX_VIEWS: readonly InboxView[] = VIEWS;
export type CountedView = Exclude<InboxView, 'all'>;
/** Every list but `all` keeps a count. */
export const COUNTED_VIEWS: readonly CountedView[] = INBOX_VIEWS.filter(
  (view): view is CountedView => view !== 'all',
);

/** The filters a list can combine; each is one "dimension" of the index. */
export interface InboxFilters {
  courseId?: string;
  category?: string;
  priority?: Priority;
  teamId?: string;
}

const MAX_TIME = 1e13; // year 2286: inverted times stay positive
const pad = (n: number) => Math.max(0, Math.floor(n)).toString(36).padStart(9, '0');

/**
 * The lexicographic sort key of an open thread: reply-by ascending (none last), then priority (urgent
 * first), then newest first. Members of one sorted set all have score 0 and ZRANGEBYLEX walks them in
 * this order, so keyset pagination is "members after the cursor member".
 */
export function openSortKey(doc: Pick<IndexDoc, 'rb' | 'p' | 'lm'>): string {
  const replyBy = doc.rb === undefined ? 'zzzzzzzzz' : pad(doc.rb);
  return `${replyBy}${3 - PRIORITY_RANK[doc.p]}${pad(MAX_TIME - doc.lm)}`;
}

/** Resolved threads: newest (resolution time) first. */
export function resolvedSortKey(doc: Pick<IndexDoc, 'ra' | 'lm'>): string {
  return pad(MAX_TIME - (doc.ra ?? doc.lm));
}

/** The sorted-set member of a thread: its sort key, then its id (ids break ties and are unique). */
export function sortMember(id: string, doc: IndexDoc): string {
  return `${doc.s === 'resolved' ? resolvedSortKey(doc) : openSortKey(doc)}:${id}`;
}

export const memberId = (member: string) => member.slice(member.lastIndexOf(':') + 1);

/**
 * The lists a thread is in. Needs attention: handed off and unowned, or owned but the learner wrote last.
 * Unassigned: handed off and unowned. Mine: owned by that admin. At risk and Breached: a thread with
 * people (waiting or assigned) whose SLA state says so; the state alone decides, so a clock met, stopped
 * or paused, or a thread resolved or handed back, leaves them. Open: everything not resolved (bot threads
 * included). Resolved. "All" is Open followed by Resolved, so it needs no set of its own. A lead thread
 * ({@link outOfInbox}) is in none.
 */
export function viewsOf(doc: IndexDoc): string[] {
  if (outOfInbox(doc)) return [];
  if (doc.s === 'resolved') return ['resolved'];
  const views = ['open'];
  if (doc.s === 'waiting') views.push('unassigned', 'attention');
  if (doc.s === 'assigned') {
    if (doc.pa === 'learner') views.push('attention');
    if (doc.a) views.push(`mine:${doc.a}`);
  }
  if ((doc.s === 'waiting' || doc.s === 'assigned') && (doc.ss === 'at_risk' || doc.ss === 'breached'))
    views.push(doc.ss);
  return views;
}

/** The filter dimensions a thread is in ('-' is "no filter"). */
function dimsOf(doc: IndexDoc): string[] {
  const dims = ['-', `p:${doc.p}`];
  if (doc.c) dims.push(`c:${doc.c}`);
  if (doc.g) dims.push(`g:${doc.g}`);
  if (doc.t) dims.push(`t:${doc.t}`);
  return dims;
}

/** The name of a view's list within one filter dimension. */
export const listName = (view: string, dim: string) => `${view}:${dim}`;

/** Every list a thread is in: each of its views in each of its dimensions. */
export function listsOf(doc: IndexDoc): string[] {
  const dims = dimsOf(doc);
  return viewsOf(doc).flatMap((view) => dims.map((dim) => listName(view, dim)));
}

/** The dimensions a set of filters asks for (empty: no filter). */
export function dimsFor(filters: InboxFilters): string[] {
  const dims: string[] = [];
  if (filters.courseId) dims.push(`c:${filters.courseId}`);
  if (filters.category) dims.push(`g:${filters.category}`);
  if (filters.priority) dims.push(`p:${filters.priority}`);
  if (filters.teamId) dims.push(`t:${filters.teamId}`);
  return dims;
}

/** Whether a thread matches the filters (used when walking one set and checking the others). */
export function matches(doc: IndexDoc, filters: InboxFilters): boolean {
  if (filters.courseId && doc.c !== filters.courseId) return false;
  if (filters.category && doc.g !== filters.category) return false;
  if (filters.priority && doc.p !== filters.priority) return false;
  if (filters.teamId && doc.t !== filters.teamId) return false;
  return true;
}

/** Whether a thread is in a view (for one admin, for `mine`). */
export function inView(doc: IndexDoc, view: InboxView, userId: string): boolean {
  const views = viewsOf(doc);
  if (view === 'all') return views.length > 0;
  return view === 'mine' ? views.includes(`mine:${userId}`) : views.includes(view);
}

const STOP = new Set([
  'the',
  'and',
  'for',
  'you',
  'are',
  'was',
  'with',
  'this',
  'that',
  'have',
  'not',
  'but',
]);

/**
 * Search tokens: lower case, accents removed, letters and digits only, 2–40 characters, a few very common
 * English words left out. The same function splits queries, so "José" finds "jose" and "JOSÉ".
 */
export function searchTokens(text: string, limit = 200): string[] {
  const tokens = new Set<string>();
  const folded = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
  for (const token of folded.split(/[^\p{L}\p{N}]+/u)) {
    if (token.length < 2 || token.length > 40 || STOP.has(token)) continue;
    tokens.add(token);
    if (tokens.size >= limit) break;
  }
  return [...tokens];
}

/** The list preview: one line, at most 140 characters. */
export function previewOf(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 140 ? `${line.slice(0, 139)}…` : line;
}
