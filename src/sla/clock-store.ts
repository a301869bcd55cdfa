import type { Redis } from 'ioredis';
import { ConversationLocks } from '../conversations/conversation-lock.js';
import type { ClockState } from './clock.js';
import { clockFromDoc, docFromClock, type SlaClockDoc, SlaClockModel } from './sla-clock.model.js';

/** A thread's clocks as loaded, with the version the next save writes over. */
export interface LoadedClock {
  state: ClockState;
  version: number;
}

/**
 * Reads and writes a thread's clock document under the thread's SLA lock. Why a lock: FerretDB 1.24 lets two
 * conditional updates of one document both through (see conversation-lock.ts), and two workers, or a react
 * and a fire job, may touch the same clocks at once. The lock has its own key (`<prefix>:sla-clock:lock:…`, outside the BullMQ queue's `<prefix>:sla:` keys), so a
 * handler holding it may still call the conversation service, which takes the thread's own lock.
 */
export class ClockStore {
  private readonly locks: ConversationLocks;

  constructor(redis: Redis, prefix: string) {
    this.locks = new ConversationLocks(redis, `${prefix}:sla-clock`, { waitMs: 15_000 });
  }

  /** Runs `work` with the thread's clocks (null when it has none yet) while no one else changes them. */
  withClock<T>(conversationId: string, work: (loaded: LoadedClock | null) => Promise<T>): Promise<T> {
    return this.locks.withLock(conversationId, async () => work(await this.load(conversationId)));
  }

  async load(conversationId: string): Promise<LoadedClock | null> {
    const doc = await SlaClockModel.findById(conversationId).lean<SlaClockDoc>();
    return doc ? { state: clockFromDoc(doc), version: doc.version ?? 0 } : null;
  }

  /** Writes the clocks (whole document, by `_id` alone; callers hold the lock). Returns the new version. */
  async save(state: ClockState, previousVersion: number, nextAt?: Date): Promise<number> {
    const version = previousVersion + 1;
    const doc = docFromClock(state, version, nextAt);
    await SlaClockModel.collection.replaceOne({ _id: doc._id }, doc, { upsert: true, ignoreUndefined: true });
    return version;
  }
}
