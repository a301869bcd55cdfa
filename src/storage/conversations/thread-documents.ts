import { type Conversation, ConversationModel } from '../../conversations/conversation.model.js';
import type { ConversationChange } from '../../conversations/conversation-store.js';
import { objectId } from '../../events/ids.js';
import { AppError } from '../../lib/errors.js';
import type { ConversationCache } from './thread-cache.js';
import type { ConversationLocks } from './thread-lock.js';

/** Times of a thread that change with every message (see {@link ThreadDocuments.touch}). */
const ACTIVITY_FIELDS = ['lastMessageAt', 'lastLearnerMessageAt', 'updatedAt'] as const;

/** The per-message times of a thread, for a write of its document to carry along. */
const activityOf = (conversation: Conversation) => ({
  lastMessageAt: conversation.lastMessageAt,
  ...(conversation.lastLearnerMessageAt ? { lastLearnerMessageAt: conversation.lastLearnerMessageAt } : {}),
});

/** A thread with the activity times kept in Redis where they are newer than the document's. */
function withActivityTimes(conversation: Conversation, times: Record<string, number>): Conversation {
  let merged = conversation;
  for (const field of ACTIVITY_FIELDS) {
    const at = times[field];
    const current = conversation[field];
    if (at && (!current || at > current.getTime())) merged = { ...merged, [field]: new Date(at) };
  }
  return merged;
}

/**
 * A thread whose lock this process holds. Its Redis copy is taken out with the lock, so until the holder
 * puts one back Redis has none: a write then needs no drop of its own, and nobody reads a copy older
 * than the database's.
 */
interface HeldThread {
  /** The copy taken with the lock and the activity times, until the first load uses them. */
  atLock?: Promise<[Conversation | null, Record<string, number>]>;
  /** The thread as that first load found it. */
  loaded?: Conversation;
  /** Redis holds no copy now (taken with the lock, or dropped for a write, and none put since). */
  copyAbsent: boolean;
  /** A document write was sent: whatever its answer, the copy as loaded may be out of date. */
  writeAttempted: boolean;
}

/**
 * Thread documents under their lock, with the Redis copy that spares FerretDB a read per action: taken
 * in the lock's own round trip, put back after each write (merged in memory), offered back when nothing
 * was written. Writes filter by `_id` alone, an index lookup on FerretDB too, where any other field makes
 * it read the whole collection; the lock is what keeps writers apart (FerretDB does not isolate
 * conditional updates).
 */
export class ThreadDocuments {
  /** Threads whose lock this process holds (see {@link HeldThread}). */
  private readonly held = new Map<string, HeldThread>();

  constructor(
    private readonly locks: ConversationLocks,
    private readonly cache: ConversationCache,
  ) {}

  /**
   * Runs `work` while holding the conversation's lock. The thread's Redis copy is taken out in the lock's
   * own round trip: it serves the first load, and the first write needs no round trip of its own to drop
   * it. Work that writes nothing puts it back.
   */
  withThread<T>(conversationId: string, work: () => Promise<T>): Promise<T> {
    const id = objectId(conversationId, 'Conversation').toHexString();
    return this.locks.withLock(
      id,
      async (readAtLock) => {
        const held: HeldThread = { atLock: readAtLock, copyAbsent: false, writeAttempted: false };
        // Absent once Redis has confirmed the take (a failed take leaves it unknown: writes drop it first).
        readAtLock?.then(
          () => {
            held.copyAbsent = true;
          },
          () => undefined,
        );
        this.held.set(id, held);
        try {
          return await work();
        } finally {
          if (this.held.get(id) === held) this.held.delete(id);
          // Nothing written: the thread as loaded is still the database's (ahead of the lock's release).
          if (held.copyAbsent && !held.writeAttempted && held.loaded)
            void this.cache.offerDoc(id, held.loaded);
        }
      },
      // Sent with every lock request, granted or not: a copy taken by a request that waits is only a miss.
      () => Promise.all([this.cache.takeDoc<Conversation>(id), this.cache.activity(id)]),
    );
  }

  /**
   * A thread of this tenant. Looked up by `_id` alone and checked here: FerretDB uses its index only for a
   * filter that is exactly `{ _id }` (adding `tenantId` makes it scan the collection).
   */
  async load(tenantId: string, conversationId: string): Promise<Conversation> {
    const tenant = objectId(tenantId, 'Tenant');
    const id = objectId(conversationId, 'Conversation');
    // The activity times are read alongside (one wait, not two); they only count for this tenant's thread.
    const [conversation, times] = await this.documentAndActivity(id.toHexString());
    if (!conversation?.tenantId.equals(tenant))
      throw new AppError('not_found', 'Conversation was not found.');
    return withActivityTimes(conversation, times);
  }

  /**
   * A thread document: the Redis copy its writers keep, else the database's (by `_id`, then offered to the
   * cache, except under the thread's lock: its holder puts the copy back when it is done).
   */
  async document(conversationId: string, copy?: Conversation | null): Promise<Conversation | null> {
    const cached = copy === undefined ? await this.cache.doc<Conversation>(conversationId) : copy;
    if (cached) return cached;
    const stored = await ConversationModel.findById(conversationId).lean<Conversation>();
    // Not awaited: a writer's later drop goes over the same Redis connection, so it still comes after.
    if (stored && !this.held.has(conversationId)) void this.cache.offerDoc(conversationId, stored);
    return stored;
  }

  /** The thread with the activity times kept in Redis where they are newer than the document's. */
  async withActivity(conversation: Conversation): Promise<Conversation> {
    return withActivityTimes(conversation, await this.cache.activity(String(conversation._id)));
  }

  /**
   * Writes a thread document under its lock, by `_id` alone, with no Redis copy left (a write that fails
   * or is cut short leaves none behind): the first write under a lock finds it taken with the lock, a
   * later one drops the copy the first put back. The new document, merged in memory, is then put back.
   * The put is not awaited: every later command of this process (the lock's release, the publish that
   * tells others) goes over the same connection behind it, and a failed put only leaves no copy.
   * Every write carries the activity times (see {@link touch}).
   */
  async write(conversation: Conversation, change: ConversationChange, next: Conversation): Promise<void> {
    const id = String(conversation._id);
    const held = this.held.get(id);
    if (!held?.copyAbsent) await this.cache.dropDoc(id);
    if (held) {
      // From here the database may have changed, whatever the answer: the copy taken must not go back.
      held.writeAttempted = true;
      held.copyAbsent = true;
    }
    const update: Record<string, unknown> = { $set: { ...activityOf(conversation), ...change.set } };
    if (change.unset?.length) update.$unset = Object.fromEntries(change.unset.map((k) => [k, '']));
    const result = await ConversationModel.updateOne({ _id: conversation._id }, update, {
      timestamps: false,
    });
    if (result.matchedCount !== 1) throw new AppError('not_found', 'Conversation was not found.');
    void this.cache.putDoc(id, next);
    if (held) held.copyAbsent = false;
  }

  /**
   * Per-message activity times of a thread the bot handles, kept in Redis instead of a document update:
   * FerretDB scans the whole collection for every update, and two per exchange were most of its work.
   * Reads overlay them ({@link withActivity}); every later write of the document carries them (a handoff
   * at the latest). Once people handle the thread, each message updates the document again.
   */
  async touch(
    conversation: Conversation,
    times: { lastMessageAt: Date; lastLearnerMessageAt?: Date },
    updatedAt: Date,
  ): Promise<Conversation> {
    const next = { ...conversation, ...times, updatedAt };
    try {
      await this.cache.setActivity(String(conversation._id), { ...times, updatedAt });
    } catch {
      await this.write(conversation, { set: { ...times, updatedAt } }, next);
    }
    return next;
  }

  /** A thread and its activity times: as taken when its lock was granted (once), else read now. */
  private async documentAndActivity(id: string): Promise<[Conversation | null, Record<string, number>]> {
    const held = this.held.get(id);
    const atLock = held?.atLock;
    if (!held || !atLock) return Promise.all([this.document(id), this.cache.activity(id)]);
    held.atLock = undefined;
    const [copy, times] = await atLock;
    const conversation = await this.document(id, copy);
    held.loaded = conversation ?? undefined;
    return [conversation, times];
  }
}
