import type { Redis } from 'ioredis';
import { Types } from 'mongoose';
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
export function toDomainEvent(record: EventRecord): AnyDomainEvent {
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
const INCR_EXISTING = `if redis.call('exists', KEYS[1]) == 0 then return -1 end return redis.call('incr', KEYS[1])`;
// Raises the counter to at least ARGV[1] (after Redis lost it, or a conflict showed it behind).
const RAISE = `local c = tonumber(redis.call('get', KEYS[1]) or '-1') if c < tonumber(ARGV[1]) then redis.call('set', KEYS[1], ARGV[1]) end return 1`;

/**
 * The per-tenant event log with an increasing sequence per tenant (the SSE event id).
 *
 * Why not an `$inc` counter document: FerretDB 1.24 does not isolate `findAndModify`/`update`, and
 * concurrent increments of one document are lost (measured: 30 concurrent `$inc` → 27). Sequences come
 * from Redis `INCR` (atomic), seeded from the highest stored sequence when the key is missing; the unique
 * (tenantId, seq) index is the final guard — a clash re-seeds and retries. Without Redis (tools, tests),
 * the next free number is claimed by inserting under that unique index. A sequence whose insert never
 * happens is a gap; readers need order, never contiguity.
 */
export class EventStore {
  constructor(private readonly options: { redis?: Redis; prefix?: string } = {}) {}

  private counterKey(tenantId: string) {
    return `${this.options.prefix ?? 'chatref'}:events:seq:${tenantId}`;
  }

  /** The highest sequence stored for a tenant (0 when none). */
  async latestSeq(tenantId: string): Promise<number> {
    const last = await EventModel.findOne({ tenantId: objectId(tenantId, 'Tenant') }, { seq: 1 })
      .sort({ seq: -1 })
      .lean();
    return last?.seq ?? 0;
  }

  /** Hands out a sequence number for a tenant (unique once stored; see the class comment). */
  async nextSeq(tenantId: string): Promise<number> {
    const { redis } = this.options;
    if (!redis) return (await this.latestSeq(tenantId)) + 1;
    const key = this.counterKey(tenantId);
    for (let attempt = 0; attempt < 5; attempt++) {
      const seq = Number(await redis.eval(INCR_EXISTING, 1, key));
      if (seq > 0) return seq;
      await redis.eval(RAISE, 1, key, String(await this.latestSeq(tenantId)));
    }
    throw new Error('could not allocate an event sequence');
  }

  /** Stores an event with the next sequence of its tenant and returns it as delivered. */
  async append<N extends EventName>(input: NewEvent<N>): Promise<DomainEvent<N>> {
    const tenantId = objectId(input.tenantId, 'Tenant');
    for (let attempt = 0; ; attempt++) {
      const seq = await this.nextSeq(input.tenantId);
      const record = {
        _id: new Types.ObjectId(),
        tenantId,
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
      try {
        // The raw driver stores the payload exactly as given; undefined fields are left out (not turned
        // into null) so a replayed event is identical to the live one, which went through JSON.
        await EventModel.collection.insertOne(record, { ignoreUndefined: true });
        return toDomainEvent(record) as DomainEvent<N>;
      } catch (error) {
        if (!isDuplicateKey(error) || attempt >= 20) throw error;
        // The number was taken (Redis counter behind the database, or two inserters without Redis).
        if (this.options.redis)
          await this.options.redis.eval(
            RAISE,
            1,
            this.counterKey(input.tenantId),
            String(await this.latestSeq(input.tenantId)),
          );
      }
    }
  }

  /** Events of a tenant after `afterSeq`, oldest first. */
  async listSince(tenantId: string, afterSeq: number, query: EventQuery = {}): Promise<AnyDomainEvent[]> {
    const filter: Record<string, unknown> = {
      tenantId: objectId(tenantId, 'Tenant'),
      seq: { $gt: Math.max(0, Math.floor(afterSeq) || 0) },
    };
    if (query.conversationId) filter.conversationId = objectId(query.conversationId, 'Conversation');
    if (query.publicOnly) filter.visibility = 'public';
    if (query.courseIds)
      filter.courseId = {
        $in: query.courseIds.filter(Types.ObjectId.isValid).map((id) => new Types.ObjectId(id)),
      };
    const records = await EventModel.find(filter)
      .sort({ seq: 1 })
      .limit(Math.min(query.limit ?? 1000, 5000))
      .lean<EventRecord[]>();
    return records.map(toDomainEvent);
  }
}
