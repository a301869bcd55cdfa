import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Types } from 'mongoose';
import { type Conversation, ConversationModel } from '../conversations/conversation.model.js';
import type { MessageView } from '../conversations/conversation.views.js';
import { type Message, MessageModel } from '../conversations/message.model.js';
import { findInTenant } from '../db/by-id.js';
import type { AnyDomainEvent, DomainEvent } from '../events/catalog.js';
import { EventModel, type EventRecord } from '../events/event.model.js';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import {
  COUNTED_VIEWS,
  type CountedView,
  dimsFor,
  dimsOf,
  type InboxFilters,
  type InboxView,
  type IndexDoc,
  inView,
  matches,
  memberId,
  previewOf,
  SLA_EVENT_NAMES,
  SLA_FIELDS,
  searchTokens,
  sortMember,
  viewsOf,
  withSla,
} from './index-doc.js';

import type { TeamRouting } from './teams.js';

/** A page of thread ids in list order. */
export interface IndexPage {
  ids: string[];
  nextCursor?: string;
}

// Compare-and-set of one thread's entry: applies only if the stored JSON is still what the caller read
// (or absent, for ''), then moves the member between sorted sets. Keys after KEYS[1] travel in ARGV: the
// index lives on one (non-cluster) Redis, like the rest of the product's state.
const APPLY = `
local cur = redis.call('hget', KEYS[1], ARGV[1]) or ''
if cur ~= ARGV[2] then return 0 end
local nr = tonumber(ARGV[6])
for i = 1, nr do redis.call('zrem', ARGV[6 + i], ARGV[4]) end
local na = tonumber(ARGV[7 + nr])
for i = 1, na do redis.call('zadd', ARGV[7 + nr + i], 0, ARGV[5]) end
if ARGV[3] == '' then redis.call('hdel', KEYS[1], ARGV[1]) else redis.call('hset', KEYS[1], ARGV[1], ARGV[3]) end
return 1`;
const APPLY_SHA = createHash('sha1').update(APPLY).digest('hex');

const SCAN_CHUNK = 200;
const SCAN_BUDGET = 25; // chunks: a combined-filter page looks at most 5000 entries, then returns a cursor
const SEARCH_LIMIT = 5000;
const BUILT_RECHECK_MS = 10_000;

interface Cursor {
  /** Segment (All = open then resolved), last member; or an offset for search results. */
  s?: number;
  m?: string;
  o?: number;
}

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url');
function decodeCursor(raw?: string): Cursor {
  if (!raw) return {};
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString()) as Cursor;
    if (typeof value !== 'object' || value === null) throw new Error('not an object');
    return value;
  } catch {
    throw new AppError('bad_request', 'cursor: is not a cursor this list gave out.');
  }
}

const ms = (date?: Date | string) => (date ? new Date(date).getTime() : undefined);

/** The bot's lead-capture lines that follow a prospect's enquiry (client ids set by src/chat). */
const isLeadPrompt = (message: MessageView) =>
  message.author === 'bot' &&
  (message.clientId.startsWith('lead:') || message.clientId.startsWith('lead-known:'));

/**
 * The inbox's secondary index in Redis. FerretDB only uses the `_id` index, so every inbox list and count
 * is answered here: lexicographically sorted sets (score 0, member = sort key + id) per view and filter
 * dimension, counts by ZCARD (ZINTERCARD for combined filters), search by a word index (a set of thread
 * ids per word of the learner's name and of learner/admin messages and notes). The list's documents are
 * then read by `_id`. The index is maintained from domain events in every process that writes
 * conversations (see {@link handleEvent}) and rebuilt from MongoDB when it is missing.
 */
export class InboxIndex {
  private readonly built = new Map<string, number>();
  private readonly rebuilding = new Map<string, Promise<void>>();

  constructor(private readonly deps: { redis: Redis; prefix: string; teams: TeamRouting; logger?: Logger }) {}

  // ------------------------------------------------------------------ keys

  private base(tenantId: string) {
    return `${this.deps.prefix}:inbox:${tenantId}:x`;
  }
  private docsKey(tenantId: string) {
    return `${this.base(tenantId)}:docs`;
  }
  private zkey(tenantId: string, view: string, dim: string) {
    return `${this.base(tenantId)}:z:${view}:${dim}`;
  }
  private tokenKey(tenantId: string, token: string) {
    return `${this.base(tenantId)}:tok:${token}`;
  }
  private builtKey(tenantId: string) {
    return `${this.deps.prefix}:inbox:${tenantId}:built`;
  }

  private keysOf(tenantId: string, doc: IndexDoc): string[] {
    const dims = dimsOf(doc);
    return viewsOf(doc).flatMap((view) => dims.map((dim) => this.zkey(tenantId, view, dim)));
  }

  // ------------------------------------------------------------------ writing

  /** The index entry of a conversation document (preview fields come from the entry it replaces). */
  async docFromConversation(c: Conversation, previous?: IndexDoc | null): Promise<IndexDoc> {
    const tenantId = String(c.tenantId);
    const doc: IndexDoc = {
      v: c.version ?? 0,
      up: ms(c.updatedAt) ?? ms(c.lastMessageAt) ?? 0,
      s: c.status,
      p: c.priority,
      lm: ms(c.lastMessageAt) ?? 0,
      u: String(c.user.userId),
    };
    if (c.replyBy) doc.rb = ms(c.replyBy);
    if (c.resolvedAt) doc.ra = ms(c.resolvedAt);
    if (c.user.name) doc.n = c.user.name;
    if (c.user.role) doc.r = c.user.role;
    if (c.courseId) doc.c = String(c.courseId);
    const courseTitle = c.context?.courseTitle ?? c.handoff?.course?.title;
    if (courseTitle) doc.ct = courseTitle;
    if (c.category) doc.g = c.category;
    if (c.assigneeId) doc.a = String(c.assigneeId);
    if (c.assigneeName) doc.an = c.assigneeName;
    // A prospect's enquiry later than any handoff: the thread is a lead, out of every list (IndexDoc.ld).
    const leadAt = ms(c.leadAt);
    if (leadAt !== undefined && leadAt > (ms(c.handoff?.createdAt) ?? 0)) doc.ld = leadAt;
    const reasons = [...new Set((c.handoff?.reasons ?? []).map((r) => r.code))];
    if (reasons.length) doc.rs = reasons;
    const team = c.teamId
      ? String(c.teamId)
      : await this.deps.teams.route(tenantId, { courseId: doc.c, category: doc.g });
    if (team) doc.t = team;
    if (previous?.pt !== undefined) {
      doc.pv = previous.pv;
      doc.pa = previous.pa;
      doc.pt = previous.pt;
      doc.lm = Math.max(doc.lm, previous.lm);
    }
    // The SLA snapshot is not on the conversation document: it comes from `sla.*` events only.
    if (previous)
      for (const field of SLA_FIELDS)
        if (previous[field] !== undefined) (doc[field] as unknown) = previous[field];
    return doc;
  }

  /** Stores `next` for a thread if its entry is still `expected` (serialised; '' = absent). */
  private async apply(
    tenantId: string,
    id: string,
    expected: string,
    next: IndexDoc | null,
  ): Promise<boolean> {
    const old = expected ? (JSON.parse(expected) as IndexDoc) : null;
    const oldMember = old ? sortMember(id, old) : '';
    const newMember = next ? sortMember(id, next) : '';
    const oldKeys = old ? this.keysOf(tenantId, old) : [];
    const newKeys = next ? this.keysOf(tenantId, next) : [];
    const same = oldMember === newMember;
    const remove = same ? oldKeys.filter((k) => !newKeys.includes(k)) : oldKeys;
    const add = same ? newKeys.filter((k) => !oldKeys.includes(k)) : newKeys;
    const args = [
      id,
      expected,
      next ? JSON.stringify(next) : '',
      oldMember,
      newMember,
      String(remove.length),
      ...remove,
      String(add.length),
      ...add,
    ];
    return (await this.evalApply(this.docsKey(tenantId), args)) === 1;
  }

  private async evalApply(docsKey: string, args: string[]): Promise<number> {
    try {
      return Number(await this.deps.redis.evalsha(APPLY_SHA, 1, docsKey, ...args));
    } catch (error) {
      if (!String((error as Error).message).includes('NOSCRIPT')) throw error;
      return Number(await this.deps.redis.eval(APPLY, 1, docsKey, ...args));
    }
  }

  /** Re-reads a thread by _id and updates its entry (newer readings win; retried when raced). */
  async refresh(tenantId: string, conversationId: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const [conversation, raw] = await Promise.all([
        findInTenant(ConversationModel, conversationId, tenantId),
        this.deps.redis.hget(this.docsKey(tenantId), conversationId),
      ]);
      const previous = raw ? (JSON.parse(raw) as IndexDoc) : null;
      if (!conversation) {
        if (!raw || (await this.apply(tenantId, conversationId, raw, null))) return;
        continue;
      }
      const next = await this.docFromConversation(conversation, previous);
      // An entry from a later reading (another process raced us) stays.
      if (previous && (previous.v > next.v || (previous.v === next.v && previous.up > next.up))) return;
      if (await this.apply(tenantId, conversationId, raw ?? '', next)) return;
    }
    this.deps.logger?.warn({ tenantId, conversationId }, 'inbox index: gave up refreshing a busy thread');
  }

  /** A new message: last activity, preview (learner/admin lines) and the word index. */
  async applyMessage(tenantId: string, message: MessageView): Promise<void> {
    const id = message.conversationId;
    const searchable = message.author === 'learner' || message.author === 'admin';
    if (searchable) await this.addTokens(tenantId, id, message.text);
    // Last activity follows the document's lastMessageAt: learner and admin messages and bot answers
    // (client id `bot:…`), not notes, status lines or the bot's own announcements.
    const activity = searchable || (message.author === 'bot' && message.clientId.startsWith('bot:'));
    if (message.kind !== 'message' || !activity) return;
    const at = ms(message.createdAt) ?? Date.now();
    for (let attempt = 0; attempt < 5; attempt++) {
      const raw = await this.deps.redis.hget(this.docsKey(tenantId), id);
      if (!raw) {
        // Not indexed yet (index rebuilt meanwhile, or a thread from before the index): read it whole.
        await this.refresh(tenantId, id);
        if (!(await this.deps.redis.hexists(this.docsKey(tenantId), id))) return;
        continue;
      }
      const old = JSON.parse(raw) as IndexDoc;
      const next: IndexDoc = { ...old, lm: Math.max(old.lm, at) };
      if (searchable && message.kind === 'message' && at >= (old.pt ?? 0)) {
        next.pv = previewOf(message.text);
        next.pa = message.author as 'learner' | 'admin';
        next.pt = at;
      }
      if (await this.apply(tenantId, id, raw, next)) return;
    }
  }

  private async addTokens(tenantId: string, conversationId: string, text: string) {
    const tokens = searchTokens(text);
    if (!tokens.length) return;
    const pipeline = this.deps.redis.pipeline();
    for (const token of tokens) pipeline.sadd(this.tokenKey(tenantId, token), conversationId);
    await pipeline.exec();
  }

  /**
   * Keeps the index in step with a domain event. Called in-process, before the event is published, by
   * every process that writes conversations, so a list read after an action (or after its live event)
   * already shows it.
   */
  async handleEvent(event: AnyDomainEvent): Promise<void> {
    const { tenantId, conversationId } = event;
    if (!conversationId) return;
    switch (event.name) {
      case 'message.posted':
        // The bot's lead prompt (`lead:…`, or `lead-known:…` once details are in: src/chat) follows the
        // write that marked the thread as a lead: read the document so the thread leaves every list.
        if (isLeadPrompt(event.payload.message)) return this.refresh(tenantId, conversationId);
        return this.applyMessage(tenantId, event.payload.message);
      case 'note.added':
        return this.applyMessage(tenantId, event.payload.message);
      case 'conversation.contact_updated':
        return;
      case 'sla.updated':
      case 'sla.warned':
      case 'sla.breached':
      case 'sla.escalated':
        return this.applySla(event);
      case 'conversation.opened': {
        // Built from the event (no read): opening a thread is on the learner's first-message path.
        const at = ms(event.at) ?? Date.now();
        const doc: IndexDoc = {
          v: 0,
          up: at,
          s: event.payload.status,
          p: event.payload.priority,
          lm: at,
          u: event.payload.userId,
        };
        if (event.actor.name) doc.n = event.actor.name;
        if (event.payload.role) doc.r = event.payload.role;
        if (event.courseId) doc.c = event.courseId;
        const team = await this.deps.teams.route(tenantId, { courseId: doc.c });
        if (team) doc.t = team;
        if (doc.n) await this.addTokens(tenantId, conversationId, doc.n);
        if (!(await this.apply(tenantId, conversationId, '', doc)))
          await this.refresh(tenantId, conversationId);
        return;
      }
      case 'conversation.handed_off':
        // On the learner's path: patched at once from the event; the document (course title, a routed
        // team) is read in the background.
        if (await this.patchTransition(event)) {
          void this.refresh(tenantId, conversationId).catch((error) =>
            this.deps.logger?.warn({ err: error }, 'inbox index refresh failed'),
          );
          return;
        }
        return this.refresh(tenantId, conversationId);
      case 'conversation.claimed':
      case 'conversation.transferred':
      case 'conversation.released':
      case 'conversation.handed_back':
      case 'conversation.resolved':
        if (await this.patchTransition(event)) return;
        return this.refresh(tenantId, conversationId);
      default:
        return this.refresh(tenantId, conversationId);
    }
  }

  /**
   * A thread's SLA snapshot from an `sla.*` event (every one carries it): state and times, and so its
   * place in the At risk and Breached views. An older event (lower sequence) never overwrites a newer one.
   * For `sla.updated` the document is read too (by `_id`): the timers move the thread's reply-by to the
   * running response clock without an event of its own, just before they tell of the new snapshot.
   * Warnings, breaches and escalations change no reply-by: their entry is patched without a read.
   */
  private async applySla(
    event: DomainEvent<'sla.updated' | 'sla.warned' | 'sla.breached' | 'sla.escalated'>,
  ): Promise<void> {
    const { tenantId, conversationId } = event;
    if (!conversationId) return;
    const read = event.name === 'sla.updated';
    for (let attempt = 0; attempt < 5; attempt++) {
      const [conversation, raw] = await Promise.all([
        read ? findInTenant(ConversationModel, conversationId, tenantId) : undefined,
        this.deps.redis.hget(this.docsKey(tenantId), conversationId),
      ]);
      if (conversation === null) return;
      const previous = raw ? (JSON.parse(raw) as IndexDoc) : null;
      if (!conversation && !previous) {
        // Not indexed (yet): read the thread whole, then apply the snapshot to that entry.
        await this.refresh(tenantId, conversationId);
        if (!(await this.deps.redis.hexists(this.docsKey(tenantId), conversationId))) return;
        continue;
      }
      const fresh = conversation
        ? await this.docFromConversation(conversation, previous)
        : (previous as IndexDoc);
      // An entry from a later reading (another process raced us) keeps its other fields.
      const newer = previous && (previous.v > fresh.v || (previous.v === fresh.v && previous.up > fresh.up));
      const base = newer ? previous : fresh;
      const next = withSla(base, event.payload.sla, event.seq);
      if (next === previous) return;
      if (await this.apply(tenantId, conversationId, raw ?? '', next)) return;
    }
    this.deps.logger?.warn({ tenantId, conversationId }, 'inbox index: gave up applying an SLA change');
  }

  /**
   * Staff actions carry everything their entry needs: applied to the entry of the version just before,
   * without reading the document (reads cost a scan on FerretDB). False when the entry is not that
   * version (the caller then reads the document).
   */
  private async patchTransition(event: AnyDomainEvent): Promise<boolean> {
    const { tenantId, conversationId } = event;
    if (!conversationId || !('version' in event.payload)) return false;
    const payload = event.payload as {
      to: IndexDoc['s'];
      version: number;
      assignee?: { userId: string; name?: string };
      teamId?: string;
    };
    const raw = await this.deps.redis.hget(this.docsKey(tenantId), conversationId);
    if (!raw) return false;
    const old = JSON.parse(raw) as IndexDoc;
    if (old.v !== payload.version - 1) return false;
    const at = ms(event.at) ?? Date.now();
    // `up` stays: a later reading of the document (same version, newer updatedAt) must still win.
    const next: IndexDoc = { ...old, s: payload.to, v: payload.version };
    if (payload.assignee) {
      next.a = payload.assignee.userId;
      if (payload.assignee.name) next.an = payload.assignee.name;
      else delete next.an;
    } else if (event.name !== 'conversation.resolved') {
      delete next.a;
      delete next.an;
    }
    if (payload.teamId) next.t = payload.teamId;
    if (event.name === 'conversation.handed_back') delete next.rb;
    if (event.name === 'conversation.handed_off') {
      const handoff = event.payload;
      next.p = handoff.priority;
      if (handoff.category) next.g = handoff.category;
      // A genuine handoff brings a lead thread into the inbox.
      delete next.ld;
      next.rb = ms(handoff.replyBy);
      next.rs = [...new Set(handoff.reasons.map((r) => r.code))];
      if (!next.t) {
        const team = await this.deps.teams.route(tenantId, { courseId: next.c, category: next.g });
        if (team) next.t = team;
      }
    }
    if (event.name === 'conversation.resolved') next.ra = at;
    return this.apply(tenantId, conversationId, raw, next);
  }

  // ------------------------------------------------------------------ reading

  /** Index entries by thread id (missing ones are left out). */
  async docs(tenantId: string, ids: readonly string[]): Promise<Map<string, IndexDoc>> {
    const found = new Map<string, IndexDoc>();
    if (!ids.length) return found;
    const raws = await this.deps.redis.hmget(this.docsKey(tenantId), ...ids);
    ids.forEach((id, i) => {
      const raw = raws[i];
      if (raw) found.set(id, JSON.parse(raw) as IndexDoc);
    });
    return found;
  }

  /** How many threads each counted view holds for this admin under these filters. */
  async counts(
    tenantId: string,
    userId: string,
    filters: InboxFilters,
  ): Promise<Record<CountedView, number>> {
    const dims = dimsFor(filters);
    const pipeline = this.deps.redis.pipeline();
    for (const view of COUNTED_VIEWS) {
      const name = view === 'mine' ? `mine:${userId}` : view;
      if (dims.length <= 1) pipeline.zcard(this.zkey(tenantId, name, dims[0] ?? '-'));
      else
        pipeline.call(
          'zintercard',
          String(dims.length),
          ...dims.map((dim) => this.zkey(tenantId, name, dim)),
        );
    }
    const results = (await pipeline.exec()) ?? [];
    return Object.fromEntries(
      COUNTED_VIEWS.map((view, i) => {
        const [error, value] = results[i] ?? [];
        if (error) throw error;
        return [view, Number(value ?? 0)];
      }),
    ) as Record<CountedView, number>;
  }

  /** One page of a view, in list order, after `cursor`. */
  async page(
    tenantId: string,
    input: { view: InboxView; userId: string; filters: InboxFilters; cursor?: string; limit: number },
  ): Promise<IndexPage> {
    const segments =
      input.view === 'all'
        ? ['open', 'resolved']
        : [input.view === 'mine' ? `mine:${input.userId}` : input.view];
    const cursor = decodeCursor(input.cursor);
    const dims = dimsFor(input.filters);
    let segment = Math.min(Math.max(0, Math.floor(cursor.s ?? 0)), segments.length - 1);
    let after = typeof cursor.m === 'string' ? cursor.m : undefined;
    let budget = SCAN_BUDGET;
    const want = input.limit + 1;
    const members: Array<{ m: string; s: number }> = [];
    while (segment < segments.length) {
      const view = segments[segment] as string;
      let key = this.zkey(tenantId, view, dims[0] ?? '-');
      const extra = dims.length > 1;
      if (extra) {
        // Walk the smallest of the filter sets, check the other filters on each entry.
        const cards = await Promise.all(
          dims.map((dim) => this.deps.redis.zcard(this.zkey(tenantId, view, dim))),
        );
        const smallest = cards.indexOf(Math.min(...cards));
        key = this.zkey(tenantId, view, dims[smallest] as string);
      }
      for (;;) {
        const chunk = await this.deps.redis.zrangebylex(
          key,
          after ? `(${after}` : '-',
          '+',
          'LIMIT',
          0,
          extra ? SCAN_CHUNK : want - members.length,
        );
        let accepted = chunk;
        if (extra && chunk.length) {
          const docs = await this.docs(tenantId, chunk.map(memberId));
          accepted = chunk.filter((m) => {
            const doc = docs.get(memberId(m));
            return doc ? matches(doc, input.filters) : false;
          });
        }
        for (const member of accepted) {
          if (members.length >= want) break;
          members.push({ m: member, s: segment });
        }
        if (members.length >= want) break;
        if (!extra || chunk.length < SCAN_CHUNK) break;
        after = chunk.at(-1);
        if (--budget <= 0) {
          // Looked far enough for one request: hand back what we have and where to go on.
          return {
            ids: members.map((x) => memberId(x.m)),
            nextCursor: encodeCursor({ s: segment, m: after }),
          };
        }
      }
      if (members.length >= want) break;
      segment++;
      after = undefined;
    }
    const shown = members.slice(0, input.limit);
    const ids = shown.map((x) => memberId(x.m));
    const last = shown.at(-1);
    if (members.length > input.limit && last)
      return { ids, nextCursor: encodeCursor({ s: last.s, m: last.m }) };
    return { ids };
  }

  /**
   * Threads whose learner name or messages contain every word of `q`, in list order. Bounded: at most
   * 5000 matching threads are considered (the words' intersection is taken by Redis first).
   */
  async search(
    tenantId: string,
    input: {
      q: string;
      view: InboxView;
      userId: string;
      filters: InboxFilters;
      cursor?: string;
      limit: number;
    },
  ): Promise<IndexPage> {
    const tokens = searchTokens(input.q, 8);
    if (!tokens.length) return { ids: [] };
    const keys = tokens.map((token) => this.tokenKey(tenantId, token));
    const ids = (
      keys.length === 1
        ? await this.deps.redis.srandmember(keys[0] as string, SEARCH_LIMIT)
        : await this.deps.redis.sinter(...keys)
    ).slice(0, SEARCH_LIMIT);
    const docs = await this.docs(tenantId, ids);
    const rows = [...docs]
      .filter(([, doc]) => inView(doc, input.view, input.userId) && matches(doc, input.filters))
      .map(([id, doc]) => ({ id, key: `${doc.s === 'resolved' ? 1 : 0}${sortMember(id, doc)}` }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const offset = Math.max(0, Math.floor(decodeCursor(input.cursor).o ?? 0));
    const page = rows.slice(offset, offset + input.limit).map((row) => row.id);
    return offset + input.limit < rows.length
      ? { ids: page, nextCursor: encodeCursor({ o: offset + input.limit }) }
      : { ids: page };
  }

  // ------------------------------------------------------------------ rebuilding

  /** Builds a tenant's index from MongoDB unless it is there (Redis may have been flushed). */
  async ensureBuilt(tenantId: string): Promise<void> {
    const checked = this.built.get(tenantId);
    if (checked && Date.now() - checked < BUILT_RECHECK_MS) return;
    if (await this.deps.redis.exists(this.builtKey(tenantId))) {
      this.built.set(tenantId, Date.now());
      return;
    }
    await this.rebuild(tenantId);
  }

  /**
   * Rebuilds a tenant's index from MongoDB: drops the derived keys, reads every message (previews and
   * words) and every conversation of the tenant, and writes entries that live events have not written
   * meanwhile. One process rebuilds at a time (a Redis lock); others wait for it.
   */
  async rebuild(tenantId: string): Promise<void> {
    const running = this.rebuilding.get(tenantId);
    if (running) return running;
    const work = this.rebuildLocked(tenantId).finally(() => this.rebuilding.delete(tenantId));
    this.rebuilding.set(tenantId, work);
    return work;
  }

  private async rebuildLocked(tenantId: string): Promise<void> {
    const { redis } = this.deps;
    const lockKey = `${this.deps.prefix}:inbox:${tenantId}:rebuilding`;
    const token = new Types.ObjectId().toHexString();
    if (!(await redis.set(lockKey, token, 'PX', 300_000, 'NX'))) {
      // Another process is at it: wait for its marker.
      const deadline = Date.now() + 300_000;
      while (Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        if (await redis.exists(this.builtKey(tenantId))) return;
        if (!(await redis.exists(lockKey))) return this.rebuildLocked(tenantId);
      }
      throw new AppError('unavailable', 'The inbox index is being rebuilt; please try again shortly.');
    }
    const started = Date.now();
    try {
      await redis.del(this.builtKey(tenantId));
      await this.dropDerivedKeys(tenantId);
      await redis.script('LOAD', APPLY);
      const tenant = new Types.ObjectId(tenantId);

      // Previews and words from the messages (one pass, no sort: FerretDB would scan and sort in memory).
      const previews = new Map<string, { pv: string; pa: 'learner' | 'admin'; pt: number }>();
      let pipeline = redis.pipeline();
      let queued = 0;
      const messages = MessageModel.find(
        { tenantId: tenant, author: { $in: ['learner', 'admin'] } },
        { conversationId: 1, author: 1, kind: 1, text: 1, createdAt: 1 },
      )
        .lean<Message[]>()
        .cursor({ batchSize: 2000 });
      for await (const message of messages) {
        const id = String(message.conversationId);
        for (const word of searchTokens(message.text)) {
          pipeline.sadd(this.tokenKey(tenantId, word), id);
          queued++;
        }
        if (message.kind === 'message') {
          const at = message.createdAt.getTime();
          const seen = previews.get(id);
          if (!seen || seen.pt <= at)
            previews.set(id, {
              pv: previewOf(message.text),
              pa: message.author as 'learner' | 'admin',
              pt: at,
            });
        }
        if (queued >= 5000) {
          await pipeline.exec();
          pipeline = redis.pipeline();
          queued = 0;
        }
      }
      await pipeline.exec();

      // SLA snapshots from the tenant's `sla.*` events (the latest wins).
      const slas = new Map<string, DomainEvent<'sla.updated'>>();
      const slaEvents = EventModel.find(
        { tenantId: tenant, name: { $in: [...SLA_EVENT_NAMES] } },
        { seq: 1, name: 1, conversationId: 1, payload: 1, createdAt: 1, actor: 1 },
      )
        .lean<EventRecord[]>()
        .cursor({ batchSize: 2000 });
      for await (const record of slaEvents) {
        if (!record.conversationId) continue;
        const id = String(record.conversationId);
        const event = {
          seq: record.seq,
          tenantId,
          name: record.name,
          conversationId: id,
          at: record.createdAt.toISOString(),
          actor: record.actor,
          payload: record.payload,
        } as DomainEvent<'sla.updated'>;
        const seen = slas.get(id);
        if (!seen || seen.seq < event.seq) slas.set(id, event);
      }

      pipeline = redis.pipeline();
      queued = 0;
      let count = 0;
      const conversations = ConversationModel.find({ tenantId: tenant })
        .lean<Conversation[]>()
        .cursor({ batchSize: 2000 });
      for await (const conversation of conversations) {
        const id = String(conversation._id);
        const preview = previews.get(id);
        let doc = await this.docFromConversation(conversation, null);
        if (preview) Object.assign(doc, preview, { lm: Math.max(doc.lm, preview.pt) });
        const sla = slas.get(id);
        if (sla?.payload.sla) doc = withSla(doc, sla.payload.sla, sla.seq);
        const keys = this.keysOf(tenantId, doc);
        // Only where no live event wrote a (newer) entry since the keys were dropped.
        pipeline.evalsha(
          APPLY_SHA,
          1,
          this.docsKey(tenantId),
          id,
          '',
          JSON.stringify(doc),
          '',
          sortMember(id, doc),
          '0',
          String(keys.length),
          ...keys,
        );
        if (doc.n) for (const word of searchTokens(doc.n)) pipeline.sadd(this.tokenKey(tenantId, word), id);
        count++;
        if (++queued >= 1000) {
          await pipeline.exec();
          pipeline = redis.pipeline();
          queued = 0;
        }
      }
      await pipeline.exec();
      await redis.set(this.builtKey(tenantId), String(Date.now()));
      this.built.set(tenantId, Date.now());
      this.deps.logger?.info(
        { tenantId, conversations: count, ms: Date.now() - started },
        'inbox index rebuilt',
      );
    } finally {
      if ((await redis.get(lockKey)) === token) await redis.del(lockKey);
    }
  }

  private async dropDerivedKeys(tenantId: string) {
    const { redis } = this.deps;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.base(tenantId)}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  }

  /** Forgets that a tenant's index was checked (tests flush Redis). */
  forget(tenantId?: string) {
    if (tenantId) this.built.delete(tenantId);
    else this.built.clear();
  }
}
