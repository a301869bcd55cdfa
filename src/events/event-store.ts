import type { Redis } from 'ioredis';
import type { Collection } from 'mongodb';
import { Types } from 'mongoose';
import { InsertBatcher } from '../lib/insert-batcher.js';
import type { Logger } from '../lib/logger.js';
import type { AnyDomainEvent, DomainEvent, EventName, NewEvent } from './catalog.js';
import { EVENT_VISIBILITY } from './catalog.js';
import { EventModel, type EventRecord } from './event.model.js';
import { idString, objectId } from './ids.js';

/** Which stored events a replay wants. */
export interface EventQuery {
  /** Only this thread's events. */
  conversationId?: string;
  /** Only events learners may see. */
  publicOnly?: boolean;
  /** Only these courses' events (course-scoped instructor inboxes). */
  courseIds?: readonly string[];
  /** At most this many (default 1000); the caller pages with the last seq. */
  limit?: number;
}

const isDuplicateKey = (error: unknown) => (error as { code?: number })?.code === 11000;

/** Turns a stored record into the event shape listeners and clients see. */
function toDomainEvent(record: EventRecord): AnyDomainEvent {
  return {
    seq: record.seq,
    tenantId: String(record.tenantId),
    name: record.name,
    conversationId: idString(record.conversationId),
    courseId: idString(record.courseId),
    userId: idString(record.userId),
    visibility: record.visibility,
    actor: record.actor,
    at: record.createdAt.toISOString(),
    payload: record.payload,
  } as AnyDomainEvent;
}

// INCR only when the counter exists; -1 tells the caller to seed it from the database first.
const INCR_EXISTING = `if redis.call('exists', KEYS[1]) == 0 then return -1 end return redis.call('incrby', KEYS[1], ARGV[1])`;
// Raises the counter to at least ARGV[1] (after Redis lost it, or a conflict showed it behind).
const RAISE = `local c = tonumber(redis.call('get', KEYS[1]) or '-1') if c < tonumber(ARGV[1]) then redis.call('set', KEYS[1], ARGV[1]) end return 1`;

// The Redis log of a tenant's recent events: a sorted set scored by sequence (writers finish out of order;
// a sorted set keeps them in sequence order anyway) and a base: the log holds every stored event with a
// sequence above the base. Appending to a log whose base is missing (Redis lost it) starts it afresh just
// below the first new event; trimming the oldest entries raises the base.
// KEYS: log, base. ARGV: most entries kept, then a sequence and its event JSON for each event (ascending).
const APPEND_LOG = `
local base = redis.call('get', KEYS[2])
if not base then
  redis.call('del', KEYS[1])
  base = tonumber(ARGV[2]) - 1
  redis.call('set', KEYS[2], base)
end
for i = 2, #ARGV, 2 do
  redis.call('zadd', KEYS[1], tonumber(ARGV[i]), ARGV[i + 1])
end
local over = redis.call('zcard', KEYS[1]) - tonumber(ARGV[1])
if over > 0 then
  local popped = redis.call('zpopmin', KEYS[1], over)
  local top = tonumber(popped[#popped])
  if top > tonumber(base) then redis.call('set', KEYS[2], top) end
end
return 1`;
// Starts an empty log at a sequence read from the database (only when no log exists yet).
// KEYS: log, base. ARGV: seq.
const SEED_LOG = `
if redis.call('exists', KEYS[2]) == 1 then return 0 end
redis.call('del', KEYS[1])
redis.call('set', KEYS[2], ARGV[1])
return 1`;

const LOG_PAGE = 500;

/** The stored form of a new event with its sequence. */
function recordOf(input: NewEvent<EventName>, seq: number) {
  return {
    _id: new Types.ObjectId(),
    tenantId: objectId(input.tenantId, 'Tenant'),
    seq,
    name: input.name,
    conversationId: input.conversationId ? objectId(input.conversationId) : undefined,
    courseId:
      input.courseId && Types.ObjectId.isValid(input.courseId)
        ? new Types.ObjectId(input.courseId)
        : undefined,
    userId:
      input.userId && Types.ObjectId.isValid(input.userId) ? new Types.ObjectId(input.userId) : undefined,
    visibility: EVENT_VISIBILITY[input.name],
    actor: input.actor,
    payload: input.payload as unknown as Record<string, unknown>,
    createdAt: new Date(),
  } satisfies EventRecord;
}

/** An event stored but not yet in the replay log, with the id of its record (to withdraw it). */
export interface RecordedEvent<N extends EventName> {
  event: DomainEvent<N>;
  recordId: Types.ObjectId;
}

/**
 * The per-tenant event log with an increasing sequence per tenant (the SSE event id).
 *
 * Why not an `$inc` counter document: FerretDB 1.24 does not isolate `findAndModify`/`update`, and
 * concurrent increments of one document are lost (measured: 30 concurrent `$inc` → 27). Sequences come
 * from Redis `INCR` (atomic), seeded from the highest stored sequence when the key is missing; the unique
 * (tenantId, seq) index is the final guard — a clash re-seeds and retries. Without Redis (tools, tests),
 * the next free number is claimed by inserting under that unique index. A sequence whose insert never
 * happens is a gap; readers need order, never contiguity.
 *
 * Reads: FerretDB answers every query but `_id` equality with a collection scan, so replays (live
 * reconnects, gap fills) and "the latest sequence" come from a Redis log of each tenant's recent events
 * (a sorted set by sequence, the newest `logLimit` events, written after each insert). The database is
 * the authority: whatever the log does not reach back to — older events, or after Redis lost the log —
 * is read from there.
 */
export class EventStore {
  private readonly logLimit: number;
  /** Concurrent appends go to the database together (group commit). */
  private readonly inserts = new InsertBatcher(() => EventModel.collection as unknown as Collection);

  constructor(
    private readonly options: {
      redis?: Redis;
      prefix?: string;
      /** Events per tenant kept in the Redis log (default 5000). */
      logLimit?: number;
      logger?: Logger;
    } = {},
  ) {
    this.logLimit = Math.max(10, options.logLimit ?? 5000);
  }

  private counterKey(tenantId: string) {
    return `${this.options.prefix ?? 'chatref'}:events:seq:${tenantId}`;
  }

  private logKey(tenantId: string) {
    return `${this.options.prefix ?? 'chatref'}:events:log:${tenantId}`;
  }

  private baseKey(tenantId: string) {
    return `${this.options.prefix ?? 'chatref'}:events:logbase:${tenantId}`;
  }

  /**
   * Adds stored events to the Redis log, one script call per tenant. A failure is retried in the
   * background (the events are stored; a reader of the log would otherwise miss them); should all retries
   * fail, the log is dropped so readers go to the database until it starts afresh.
   */
  async addToLog(events: readonly AnyDomainEvent[]): Promise<void> {
    const { redis } = this.options;
    if (!redis || events.length === 0) return;
    const byTenant = new Map<string, AnyDomainEvent[]>();
    for (const event of events)
      byTenant.set(event.tenantId, [...(byTenant.get(event.tenantId) ?? []), event]);
    await Promise.all([...byTenant].map(([tenantId, ofTenant]) => this.appendLog(redis, tenantId, ofTenant)));
  }

  private async appendLog(redis: Redis, tenantId: string, events: AnyDomainEvent[]): Promise<void> {
    const keys = [this.logKey(tenantId), this.baseKey(tenantId)];
    const entries = [...events]
      .sort((a, b) => a.seq - b.seq)
      .flatMap((event) => [String(event.seq), JSON.stringify(event)]);
    const write = () => redis.eval(APPEND_LOG, 2, ...keys, String(this.logLimit), ...entries);
    try {
      await write();
    } catch (error) {
      this.options.logger?.warn({ err: error, seq: events[0]?.seq }, 'event log write failed; retrying');
      void (async () => {
        for (const delayMs of [500, 2000, 8000, 30_000]) {
          await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
          try {
            await write();
            return;
          } catch {
            // next attempt
          }
        }
        await redis.del(...keys).catch(() => undefined);
      })();
    }
  }

  /**
   * The highest sequence stored for a tenant (0 when none): from the Redis log when it is there (no
   * database read), else from the database (a sort, which FerretDB answers with a scan) — and the log
   * then starts at that point, so the next call is answered by Redis.
   */
  async latestSeq(tenantId: string): Promise<number> {
    const { redis } = this.options;
    if (redis) {
      try {
        const [top, base] = await redis
          .multi()
          .zrevrange(this.logKey(tenantId), 0, 0, 'WITHSCORES')
          .get(this.baseKey(tenantId))
          .exec()
          .then((replies) => (replies ?? []).map(([error, value]) => (error ? null : value)));
        if (typeof base === 'string') {
          const score = Array.isArray(top) && top.length === 2 ? Number(top[1]) : 0;
          return Math.max(score, Number(base));
        }
        const stored = await this.storedLatestSeq(tenantId);
        await redis.eval(SEED_LOG, 2, this.logKey(tenantId), this.baseKey(tenantId), String(stored));
        return stored;
      } catch {
        // Redis trouble: the database answers.
      }
    }
    return this.storedLatestSeq(tenantId);
  }

  /** The highest sequence in the database (the authority; a sort over the tenant's events). */
  private async storedLatestSeq(tenantId: string): Promise<number> {
    const last = await EventModel.findOne({ tenantId: objectId(tenantId, 'Tenant') }, { seq: 1 })
      .sort({ seq: -1 })
      .lean();
    return last?.seq ?? 0;
  }

  /**
   * Hands out `count` consecutive sequence numbers for a tenant and returns the last (unique once stored;
   * see the class comment).
   */
  async nextSeq(tenantId: string, count = 1): Promise<number> {
    const { redis } = this.options;
    if (!redis) return (await this.storedLatestSeq(tenantId)) + count;
    const key = this.counterKey(tenantId);
    for (let attempt = 0; attempt < 5; attempt++) {
      const seq = Number(await redis.eval(INCR_EXISTING, 1, key, String(count)));
      if (seq > 0) return seq;
      await redis.eval(RAISE, 1, key, String(await this.storedLatestSeq(tenantId)));
    }
    throw new Error('could not allocate an event sequence');
  }

  /**
   * Stores an event with the next sequence of its tenant, not yet in the replay log ({@link addToLog}).
   * Sequences are handed out in call order: events recorded in one go keep their order.
   */
  async record<N extends EventName>(input: NewEvent<N>): Promise<RecordedEvent<N>> {
    for (let attempt = 0; ; attempt++) {
      const record = recordOf(input, await this.nextSeq(input.tenantId));
      try {
        // The raw driver stores the payload exactly as given; undefined fields are left out (not turned
        // into null) so a replayed event is identical to the live one, which went through JSON.
        await this.inserts.insert(record);
        return { event: toDomainEvent(record) as DomainEvent<N>, recordId: record._id };
      } catch (error) {
        if (!isDuplicateKey(error) || attempt >= 20) throw error;
        // The number was taken (Redis counter behind the database, or two inserters without Redis).
        if (this.options.redis)
          await this.options.redis.eval(
            RAISE,
            1,
            this.counterKey(input.tenantId),
            String(await this.storedLatestSeq(input.tenantId)),
          );
      }
    }
  }

  /**
   * Several events of one tenant, stored together (one round trip) with consecutive sequences in the
   * given order. All or none: should one fail, those stored are withdrawn and the error is thrown.
   */
  async recordAll(inputs: readonly NewEvent<EventName>[]): Promise<RecordedEvent<EventName>[]> {
    const tenantId = inputs[0]?.tenantId;
    if (inputs.length <= 1 || !this.options.redis || inputs.some((i) => i.tenantId !== tenantId))
      return this.recordOneByOne(inputs);
    const last = await this.nextSeq(tenantId as string, inputs.length);
    const records = inputs.map((input, i) => recordOf(input, last - inputs.length + 1 + i));
    const inserted = await Promise.allSettled(this.inserts.insertAll(records));
    const recorded = records.map((record) => ({ event: toDomainEvent(record), recordId: record._id }));
    const failed = inserted.find((r) => r.status === 'rejected');
    if (!failed) return recorded;
    await Promise.all(
      recorded.filter((_, i) => inserted[i]?.status === 'fulfilled').map((r) => this.withdraw(r)),
    );
    if (!isDuplicateKey(failed.reason)) throw failed.reason;
    // A number was taken (the counter was behind): one by one, each finding its own free number.
    return this.recordOneByOne(inputs);
  }

  private async recordOneByOne(inputs: readonly NewEvent<EventName>[]): Promise<RecordedEvent<EventName>[]> {
    const recorded: RecordedEvent<EventName>[] = [];
    try {
      for (const input of inputs) recorded.push(await this.record(input));
    } catch (error) {
      await Promise.all(recorded.map((r) => this.withdraw(r)));
      throw error;
    }
    return recorded;
  }

  /**
   * Takes back a recorded event that was never added to the log nor published (the write it reported
   * failed): nobody has seen it, and a replay must not show it. Its sequence stays unused.
   */
  async withdraw(recorded: RecordedEvent<EventName>): Promise<void> {
    // By `_id` alone: the one filter FerretDB answers from an index.
    await EventModel.collection.deleteOne({ _id: recorded.recordId });
  }

  /** Events of a tenant after `afterSeq`, oldest first: from the Redis log when it reaches back that far. */
  async listSince(tenantId: string, afterSeq: number, query: EventQuery = {}): Promise<AnyDomainEvent[]> {
    const after = Math.max(0, Math.floor(afterSeq) || 0);
    const limit = Math.min(query.limit ?? 1000, 5000);
    if (this.options.redis) {
      try {
        const logged = await this.listFromLog(tenantId, after, limit, query);
        if (logged) return logged;
      } catch {
        // Redis trouble: the database answers.
      }
    }
    return this.listStored(tenantId, after, limit, query);
  }

  /** {@link listSince} from the Redis log, or null when the log does not hold everything after `after`. */
  private async listFromLog(
    tenantId: string,
    after: number,
    limit: number,
    query: EventQuery,
  ): Promise<AnyDomainEvent[] | null> {
    const redis = this.options.redis as Redis;
    const logKey = this.logKey(tenantId);
    const baseKey = this.baseKey(tenantId);
    const base = await redis.get(baseKey);
    if (base === null || after < Number(base)) return null;
    const courseIds = query.courseIds ? new Set(query.courseIds) : undefined;
    const events: AnyDomainEvent[] = [];
    let cursor = after;
    for (;;) {
      const page = await redis.zrangebyscore(logKey, `(${cursor}`, '+inf', 'LIMIT', 0, LOG_PAGE);
      for (const raw of page) {
        const event = JSON.parse(raw) as AnyDomainEvent;
        cursor = event.seq;
        if (query.conversationId && event.conversationId !== query.conversationId) continue;
        if (query.publicOnly && event.visibility !== 'public') continue;
        if (courseIds && !(event.courseId && courseIds.has(event.courseId))) continue;
        events.push(event);
        if (events.length >= limit) break;
      }
      if (events.length >= limit || page.length < LOG_PAGE) break;
    }
    // Trimmed meanwhile past our starting point: some events may have gone; ask the database.
    const baseAfter = await redis.get(baseKey);
    if (baseAfter === null || after < Number(baseAfter)) return null;
    return events;
  }

  /** {@link listSince} from the database (a scan on FerretDB). */
  private async listStored(
    tenantId: string,
    after: number,
    limit: number,
    query: EventQuery,
  ): Promise<AnyDomainEvent[]> {
    const filter: Record<string, unknown> = {
      tenantId: objectId(tenantId, 'Tenant'),
      seq: { $gt: after },
    };
    if (query.conversationId) filter.conversationId = objectId(query.conversationId, 'Conversation');
    if (query.publicOnly) filter.visibility = 'public';
    if (query.courseIds)
      filter.courseId = {
        $in: query.courseIds.filter(Types.ObjectId.isValid).map((id) => new Types.ObjectId(id)),
      };
    const records = await EventModel.find(filter).sort({ seq: 1 }).limit(limit).lean<EventRecord[]>();
    return records.map(toDomainEvent);
  }
}
