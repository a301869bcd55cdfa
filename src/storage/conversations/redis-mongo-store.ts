import type { Redis } from 'ioredis';
import { type Conversation, ConversationModel } from '../../conversations/conversation.model.js';
import type { MessageView } from '../../conversations/conversation.views.js';
import type {
  Appended,
  AppendOptions,
  ConversationChange,
  ConversationStore,
  NewMessage,
  RateResult,
  ThreadOwner,
} from '../../conversations/conversation-store.js';
import { type Message, MessageModel } from '../../conversations/message.model.js';
import { findInTenant } from '../../db/by-id.js';
import type { Id } from '../../db/ids.js';
import type { EventEmitter } from '../../events/event-bus.js';
import type { Logger } from '../../lib/logger.js';
import { MessageReader } from './message-reader.js';
import { isDuplicateKey, MessageWriter } from './message-writer.js';
import { OpenThreads } from './open-threads.js';
import { hitRateLimit, refundRateLimit } from './rate-limit.js';
import { ConversationCache } from './thread-cache.js';
import { ThreadDocuments } from './thread-documents.js';
import { ConversationLocks } from './thread-lock.js';

/** What the Redis and MongoDB/FerretDB store of conversations runs on. */
export interface RedisMongoStoreDeps {
  /** A fail-fast (producer) connection: locks, copies, caches, rate limits. */
  redis: Redis;
  /** REDIS_PREFIX: namespaces every key. */
  prefix: string;
  /** Messages are stored beside the events that tell of them. */
  events: EventEmitter;
  /** config MESSAGE_MAX_CHARS: the longest message a person may write. */
  messageMaxChars: number;
  now: () => Date;
  logger?: Logger;
}

/** The conversation store on Redis and MongoDB/FerretDB: each part in its own file, composed here. */
export class RedisMongoConversationStore implements ConversationStore {
  private readonly cache: ConversationCache;
  private readonly documents: ThreadDocuments;
  private readonly writer: MessageWriter;
  private readonly reader: MessageReader;
  private readonly threads: OpenThreads;

  constructor(private readonly deps: RedisMongoStoreDeps) {
    this.cache = new ConversationCache(deps.redis, deps.prefix);
    this.documents = new ThreadDocuments(new ConversationLocks(deps.redis, deps.prefix), this.cache);
    this.writer = new MessageWriter(this.cache, deps.events, deps.messageMaxChars);
    this.reader = new MessageReader(this.cache);
    this.threads = new OpenThreads(this.cache, this.documents, deps.now);
  }

  withThread<T>(conversationId: string, work: () => Promise<T>): Promise<T> {
    return this.documents.withThread(conversationId, work);
  }

  load(tenantId: string, conversationId: string): Promise<Conversation> {
    return this.documents.load(tenantId, conversationId);
  }

  document(conversationId: string): Promise<Conversation | null> {
    return this.documents.document(conversationId);
  }

  withActivity(conversation: Conversation): Promise<Conversation> {
    return this.documents.withActivity(conversation);
  }

  write(conversation: Conversation, change: ConversationChange, next: Conversation): Promise<void> {
    return this.documents.write(conversation, change, next);
  }

  touch(
    conversation: Conversation,
    times: { lastMessageAt: Date; lastLearnerMessageAt?: Date },
    updatedAt: Date,
  ): Promise<Conversation> {
    return this.documents.touch(conversation, times, updatedAt);
  }

  appendMessage(conversation: Conversation, fields: NewMessage, options: AppendOptions): Promise<Appended> {
    return this.writer.append(conversation, fields, options);
  }

  findLearnerMessage(tenantId: Id, userId: Id, clientId: string): Promise<MessageView | null> {
    return this.reader.findLearnerMessage(tenantId, userId, clientId);
  }

  messages(
    conversation: Pick<Conversation, '_id' | 'tenantId'>,
    options: { forLearner: boolean; before?: string; limit?: number },
  ): Promise<MessageView[]> {
    return this.reader.messages(conversation, options);
  }

  recentMessages(conversation: Conversation, count: number): Promise<MessageView[]> {
    return this.reader.recentMessages(conversation, count);
  }

  /** Both by `_id` (the fast path on FerretDB), the tenant checked in code. */
  async findAnswer(
    tenantId: string,
    messageId: string,
  ): Promise<{ message: Message; conversation: Conversation } | null> {
    const message = await findInTenant(MessageModel, messageId, tenantId);
    if (message?.author !== 'bot') return null;
    const conversation = await findInTenant(ConversationModel, message.conversationId, tenantId);
    return conversation ? { message, conversation } : null;
  }

  async setFeedback(messageId: Id, value: 'up' | 'down'): Promise<void> {
    await MessageModel.updateOne({ _id: messageId }, { $set: { feedback: value } }).exec();
  }

  refreshCachedMessage(message: MessageView): Promise<void> {
    return this.cache.replace(message);
  }

  knownThreadId(owner: ThreadOwner): Promise<string | null> {
    return this.threads.knownThreadId(owner);
  }

  rememberThreadId(owner: ThreadOwner, conversationId: string): Promise<void> {
    return this.threads.rememberThreadId(owner, conversationId);
  }

  latestThread(owner: ThreadOwner): Promise<Conversation | null> {
    return this.threads.latestThread(owner);
  }

  insertOpen(doc: Omit<Conversation, '_id'>, options: { looked: boolean }) {
    return this.threads.insertOpen(doc, options);
  }

  rememberThread(conversation: Conversation): Promise<void> {
    return this.threads.rememberThread(conversation);
  }

  isOpenKeyTaken(error: unknown): boolean {
    return isDuplicateKey(error);
  }

  async hitMessageRate(tenantId: string, userId: string, perMinute: number, now: Date): Promise<RateResult> {
    try {
      return await hitRateLimit(
        this.deps.redis,
        this.rateKey(tenantId, userId),
        perMinute,
        60,
        now.getTime(),
      );
    } catch (error) {
      // Redis trouble must not silence learners: let the message through and say so in the log.
      this.deps.logger?.warn({ err: error }, 'message rate limit unavailable');
      return { allowed: true, retryAfterSeconds: 0 };
    }
  }

  async refundMessageRate(tenantId: string, userId: string, now: Date): Promise<void> {
    await refundRateLimit(this.deps.redis, this.rateKey(tenantId, userId), 60, now.getTime()).catch(
      () => undefined,
    );
  }

  private rateKey(tenantId: string, userId: string) {
    return `${this.deps.prefix}:rate:messages:${tenantId}:${userId}`;
  }
}
