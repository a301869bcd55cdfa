import { Types } from 'mongoose';
import { type Conversation, ConversationModel } from '../../conversations/conversation.model.js';
import type { ThreadOwner } from '../../conversations/conversation-store.js';
import {
  type ThreadPointer,
  ThreadPointerModel,
  threadPointerId,
  threadPointerOf,
} from '../../conversations/thread-pointer.model.js';
import { AppError } from '../../lib/errors.js';
import { isDuplicateKey } from './message-writer.js';
import type { ConversationCache } from './thread-cache.js';
import type { ThreadDocuments } from './thread-documents.js';

/**
 * Which thread a person has in a course. At most one open thread per user and course is guaranteed by a
 * unique open key rather than a transaction; finding it never queries the tenant's threads: a Redis
 * pointer first, a durable pointer read by `_id` behind it.
 */
export class OpenThreads {
  constructor(
    private readonly cache: ConversationCache,
    private readonly documents: ThreadDocuments,
    private readonly now: () => Date,
  ) {}

  knownThreadId(owner: ThreadOwner): Promise<string | null> {
    return this.cache.threadOf(owner.tenantId, owner.userId, owner.courseId);
  }

  rememberThreadId(owner: ThreadOwner, conversationId: string): Promise<void> {
    return this.cache.setThread(owner.tenantId, owner.userId, owner.courseId, conversationId);
  }

  /**
   * The thread the person most recently had open in this course (open now, or the last resolved), found
   * through its pointer by `_id`: never a query over the tenant's threads.
   */
  async latestThread(owner: ThreadOwner): Promise<Conversation | null> {
    const pointer = await ThreadPointerModel.findById(
      threadPointerId(owner.tenantId, owner.userId, owner.courseId),
    ).lean<ThreadPointer>();
    if (!pointer) return null;
    const conversation = await this.documents.document(String(pointer.conversationId));
    const same =
      String(conversation?.tenantId) === owner.tenantId &&
      String(conversation?.user.userId) === owner.userId &&
      String(conversation?.courseId ?? '') === (owner.courseId ?? '');
    return same ? conversation : null;
  }

  /**
   * Remembers that this thread now holds the person's open key in its course: the Redis pointer read
   * first, and the durable pointer behind it.
   */
  async rememberThread(conversation: Conversation): Promise<void> {
    const { _id, conversationId, ...identity } = threadPointerOf(conversation);
    await Promise.all([
      this.cache.setThread(
        String(identity.tenantId),
        String(identity.userId),
        identity.courseId && String(identity.courseId),
        String(conversationId),
      ),
      ThreadPointerModel.collection.updateOne(
        { _id },
        { $set: { conversationId, updatedAt: this.now() }, $setOnInsert: identity },
        { upsert: true },
      ),
    ]);
  }

  async insertOpen(
    fields: Omit<Conversation, '_id'>,
    options: { looked: boolean },
  ): Promise<{ conversation: Conversation; created: boolean }> {
    const doc = { _id: new Types.ObjectId(), ...fields } as Conversation;
    for (let attempt = 0; attempt < 3; attempt++) {
      // The caller may just have looked for an open thread; only a retry needs to look again.
      if (attempt > 0 || !options.looked) {
        // Rare (a race lost, or a thread older than its pointer): the one query by the open key.
        const existing = await ConversationModel.findOne({
          tenantId: doc.tenantId,
          openKey: doc.openKey,
        }).lean<Conversation>();
        if (existing) {
          await this.rememberThread(existing);
          return { conversation: existing, created: false };
        }
      }
      try {
        // A plain insert under the unique open key: the one primitive FerretDB makes atomic.
        await ConversationModel.collection.insertOne(doc as never, { ignoreUndefined: true });
        const id = String(doc._id);
        await Promise.all([
          this.cache.putDoc(id, doc),
          // A new thread has no messages: its (empty) history is complete from the start.
          this.cache.fill(id, []),
          this.rememberThread(doc),
        ]);
        return { conversation: doc, created: true };
      } catch (error) {
        // Two tabs opening at once: the unique key lets one insert; the other reads it on retry.
        if (!isDuplicateKey(error)) throw error;
      }
    }
    throw new AppError('conflict', 'Could not open the conversation; please try again.');
  }
}
