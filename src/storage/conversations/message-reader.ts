import type { Conversation } from '../../conversations/conversation.model.js';
import { toMessageView } from '../../conversations/conversation.presenters.js';
import type { MessageView } from '../../conversations/conversation.views.js';
import { type Message, MessageModel } from '../../conversations/message.model.js';
import type { Id } from '../../db/ids.js';
import { objectId } from '../../events/ids.js';
import { CACHED_MESSAGES, type ConversationCache } from './thread-cache.js';

type ThreadRef = Pick<Conversation, '_id' | 'tenantId'>;

/** What a learner may see of a thread's messages: no internal notes. */
const learnerMay = (message: MessageView) => !message.internal && message.kind !== 'note';

/** Reads of a thread's messages: the newest from the Redis list (filled on first read), older pages from the database. */
export class MessageReader {
  constructor(private readonly cache: ConversationCache) {}

  async messages(
    conversation: ThreadRef,
    options: { forLearner: boolean; before?: string; limit?: number },
  ): Promise<MessageView[]> {
    const { forLearner, before, limit = 200 } = options;
    const count = Math.min(Math.max(1, limit), 500);
    if (!before) {
      // The newest messages come from the Redis cache (filled from the database on first read).
      const cached = await this.cachedMessages(conversation);
      if (cached) {
        const shown = forLearner ? cached.messages.filter(learnerMay) : cached.messages;
        if (shown.length >= count || cached.all) return shown.slice(-count);
      }
    }
    const filter: Record<string, unknown> = {
      tenantId: conversation.tenantId,
      conversationId: conversation._id,
    };
    if (forLearner) {
      filter.internal = false;
      filter.kind = { $ne: 'note' };
    }
    if (before) filter._id = { $lt: objectId(before, 'Message') };
    const page = await MessageModel.find(filter).sort({ _id: -1 }).limit(count).lean<Message[]>();
    return page.reverse().map(toMessageView);
  }

  /** The newest `count` messages proper (no notes or status lines) of a thread, oldest first. */
  async recentMessages(conversation: ThreadRef, count: number): Promise<MessageView[]> {
    const cached = await this.cachedMessages(conversation);
    if (cached) {
      const messages = cached.messages.filter((m) => m.kind === 'message');
      if (messages.length >= count || cached.all) return messages.slice(-count);
    }
    const newest = await MessageModel.find({
      tenantId: conversation.tenantId,
      conversationId: conversation._id,
      kind: 'message',
    })
      .sort({ _id: -1 })
      .limit(count)
      .lean<Message[]>();
    return newest.reverse().map(toMessageView);
  }

  /** A learner's message by client id in any of their threads (the second index of the messages). */
  async findLearnerMessage(tenantId: Id, userId: Id, clientId: string): Promise<MessageView | null> {
    const found = await MessageModel.findOne({
      tenantId,
      authorId: userId,
      clientId,
      author: 'learner',
    }).lean<Message>();
    return found ? toMessageView(found) : null;
  }

  /** A thread's newest cached messages (oldest first, every kind), filling the cache when it is empty. */
  private async cachedMessages(
    conversation: ThreadRef,
  ): Promise<{ messages: MessageView[]; all: boolean } | null> {
    const conversationId = String(conversation._id);
    const cached = await this.cache.messages(conversationId);
    if (cached) return cached;
    const newest = await MessageModel.find({
      tenantId: conversation.tenantId,
      conversationId: conversation._id,
    })
      .sort({ _id: -1 })
      .limit(CACHED_MESSAGES)
      .lean<Message[]>();
    const messages = newest.reverse().map(toMessageView);
    await this.cache.fill(conversationId, messages);
    return { messages, all: messages.length < CACHED_MESSAGES };
  }
}
