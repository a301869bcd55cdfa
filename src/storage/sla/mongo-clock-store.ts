import type { Redis } from 'ioredis';
import { Types } from 'mongoose';
import type { ClockState } from '../../sla/clock.js';
import type { ClockStore, LoadedClock } from '../../sla/clock-store.js';
import { clockFromDoc, docFromClock, type SlaClockDoc, SlaClockModel } from '../../sla/sla-clock.model.js';
import { ConversationLocks } from '../conversations/thread-lock.js';

/**
 * The clocks in MongoDB (`sla_clocks`, `_id` = the conversation's id), locked per thread in Redis. The lock
 * has its own key (`<prefix>:sla-clock:lock:…`, outside the BullMQ queue's `<prefix>:sla:` keys), so a
 * handler holding it may still call the conversation service, which takes the thread's own lock.
 */
export class MongoClockStore implements ClockStore {
  private readonly locks: ConversationLocks;

  constructor(redis: Redis, prefix: string) {
    this.locks = new ConversationLocks(redis, `${prefix}:sla-clock`, { waitMs: 15_000 });
  }

  withClock<T>(conversationId: string, work: (loaded: LoadedClock | null) => Promise<T>): Promise<T> {
    return this.locks.withLock(conversationId, async () => work(await this.load(conversationId)));
  }

  async load(conversationId: string): Promise<LoadedClock | null> {
    const doc = await SlaClockModel.findById(conversationId).lean<SlaClockDoc>();
    return doc ? { state: clockFromDoc(doc), version: doc.version ?? 0 } : null;
  }

  /** The whole document, by `_id` alone. */
  async save(state: ClockState, previousVersion: number, nextAt?: Date): Promise<number> {
    const version = previousVersion + 1;
    const doc = docFromClock(state, version, nextAt);
    await SlaClockModel.collection.replaceOne({ _id: doc._id }, doc, { upsert: true, ignoreUndefined: true });
    return version;
  }

  async activeIn(tenantId: string): Promise<string[]> {
    if (!Types.ObjectId.isValid(tenantId)) return [];
    const clocks = await SlaClockModel.find(
      { tenantId: new Types.ObjectId(tenantId), active: true },
      { _id: 1 },
    ).lean();
    return clocks.map(({ _id }) => String(_id));
  }

  async withTimers(): Promise<ClockState[]> {
    const docs = await SlaClockModel.find({ $or: [{ nextAt: { $exists: true } }, { active: true }] }).lean<
      SlaClockDoc[]
    >();
    return docs.map(clockFromDoc);
  }
}
