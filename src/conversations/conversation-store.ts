import type { Id } from '../db/ids.js';
import type { EventName, NewEvent } from '../events/catalog.js';
import type { Conversation } from './conversation.model.js';
import type { MessageView } from './conversation.views.js';
import type { Message } from './message.model.js';

/** A change to a thread document: fields set and fields removed. */
export interface ConversationChange {
  set?: Record<string, unknown>;
  unset?: string[];
}

/** A message to write, as the domain builds it (the store adds ids and the thread's keys). */
export type NewMessage = Omit<Partial<Message>, '_id' | 'tenantId' | 'conversationId'> &
  Pick<Message, 'author' | 'text' | 'clientId' | 'createdAt'>;

/** How a message is told and what it is stored beside. */
export interface AppendOptions {
  /** The events that tell of the message, stored beside it and published once both are stored. */
  events: (view: MessageView) => NewEvent<EventName>[];
  /** The event the line reports (a claim, a handoff): told even when the line already exists. */
  cause?: NewEvent<EventName>;
  /** The write the message belongs to: should it fail, the message is taken back and its error thrown. */
  alongside?: Promise<unknown>;
}

/** The message as stored; `duplicate` when its client id was already in the thread (the first one). */
export interface Appended {
  message: MessageView;
  duplicate: boolean;
}

/** A person in a course (or outside any), whose thread is looked for. */
export interface ThreadOwner {
  tenantId: string;
  userId: string;
  courseId?: string;
}

/** The outcome of counting one message against the per-user rate. */
export interface RateResult {
  allowed: boolean;
  retryAfterSeconds: number;
}

/**
 * Everything storage of the conversations domain: threads, messages, the per-thread lock, and the
 * Redis copies that keep the hot paths off the database. The adapter (src/storage/conversations/)
 * explains each optimisation; callers see only the domain's shapes.
 *
 * Every write of a thread document happens inside {@link withThread} (FerretDB does not isolate
 * concurrent updates), which is also what lets writes filter by `_id` alone and merge in memory.
 */
export interface ConversationStore {
  /** Runs `work` holding the thread's lock (renewed while it runs); "busy" after a short wait. */
  withThread<T>(conversationId: string, work: () => Promise<T>): Promise<T>;
  /** A thread of this tenant with its activity times, or `not_found`. */
  load(tenantId: string, conversationId: string): Promise<Conversation>;
  /** A thread document by id (Redis copy, else the database), without activity times; null if none. */
  document(conversationId: string): Promise<Conversation | null>;
  /** The thread with its activity times overlaid where they are newer. */
  withActivity(conversation: Conversation): Promise<Conversation>;
  /** Writes a change of a thread (under its lock); `next` is the document it makes, merged in memory. */
  write(conversation: Conversation, change: ConversationChange, next: Conversation): Promise<void>;
  /** Records per-message activity times of a thread without a document write where it can. */
  touch(
    conversation: Conversation,
    times: { lastMessageAt: Date; lastLearnerMessageAt?: Date },
    updatedAt: Date,
  ): Promise<Conversation>;

  /**
   * The one way a message is written: validated (the length limit, the client id), stored beside its
   * events, idempotent by client id (a duplicate returns the first message; its `cause` is still told).
   */
  appendMessage(conversation: Conversation, fields: NewMessage, options: AppendOptions): Promise<Appended>;
  /** A learner's message by client id in any of their threads (a retry that moved to a new thread). */
  findLearnerMessage(tenantId: Id, userId: Id, clientId: string): Promise<MessageView | null>;
  /** A thread's messages, oldest first; `before` pages backwards (a message id). */
  messages(
    conversation: Pick<Conversation, '_id' | 'tenantId'>,
    options: { forLearner: boolean; before?: string; limit?: number },
  ): Promise<MessageView[]>;
  /** The newest `count` messages proper (no notes or status lines), oldest first. */
  recentMessages(conversation: Conversation, count: number): Promise<MessageView[]>;
  /** A bot answer of the tenant by id, with its thread (for feedback); null when either is missing. */
  findAnswer(
    tenantId: string,
    messageId: string,
  ): Promise<{ message: Message; conversation: Conversation } | null>;
  /** Stores a learner's rating of an answer (the promise to emit its event beside). */
  setFeedback(messageId: Id, value: 'up' | 'down'): Promise<void>;
  /** Replaces a message in the recent-messages cache after it changed. */
  refreshCachedMessage(message: MessageView): Promise<void>;

  /** The id of the person's open thread in this course when Redis knows it (unchecked). */
  knownThreadId(owner: ThreadOwner): Promise<string | null>;
  /** Remembers the person's thread in a course in Redis only (a thread found without its pointer). */
  rememberThreadId(owner: ThreadOwner, conversationId: string): Promise<void>;
  /** The thread the person most recently had open in this course, through its durable pointer. */
  latestThread(owner: ThreadOwner): Promise<Conversation | null>;
  /**
   * Inserts a new open thread under its unique open key, or returns the one holding it (two tabs at
   * once). `looked`: the caller just looked, so only a retry looks again.
   */
  insertOpen(
    doc: Omit<Conversation, '_id'>,
    options: { looked: boolean },
  ): Promise<{ conversation: Conversation; created: boolean }>;
  /** Makes `conversation` the person's thread again (after a reopen) in Redis and the durable pointer. */
  rememberThread(conversation: Conversation): Promise<void>;
  /** Whether an error is the unique-key clash of another thread holding the open key. */
  isOpenKeyTaken(error: unknown): boolean;

  /** Counts one message of a user against the per-minute limit (Redis trouble: allowed, and logged). */
  hitMessageRate(tenantId: string, userId: string, perMinute: number, now: Date): Promise<RateResult>;
  /** Gives a counted message back (a retry that changed nothing). */
  refundMessageRate(tenantId: string, userId: string, now: Date): Promise<void>;
}
