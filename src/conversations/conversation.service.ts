import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Collection } from 'mongodb';
import { Types } from 'mongoose';
import type { AssigneeRef, EventActor, EventName, EventPayloads, NewEvent } from '../events/catalog.js';
import type { EventEmitter } from '../events/event-bus.js';
import { objectId } from '../events/ids.js';
import { decideHandoff, type HandoffDecision, scheduleMode } from '../handoff/decide.js';
import type { HandoffReason } from '../handoff/handoff.types.js';
import { buildHandoffCard, type HandoffSummariser } from '../handoff/handoff-card.js';
import { HandoffConfigService } from '../handoff/handoff-config.service.js';
import { handoffAnnouncement, handoffText } from '../handoff/handoff-messages.catalog.js';
import type { HandoffSettings } from '../handoff/handoff-settings.model.js';
import { matchKeywordRules } from '../handoff/keyword-rules.js';
import { computePriority } from '../handoff/priority.js';
import { RedisStaffPresence, type StaffPresence } from '../handoff/staff-presence.js';
import { AppError } from '../lib/errors.js';
import { InsertBatcher } from '../lib/insert-batcher.js';
import type { Logger } from '../lib/logger.js';
import { type ReplyPolicyProvider, tenantReplyPolicies } from '../sla/reply-policy.js';
import { type Conversation, ConversationModel } from './conversation.model.js';
import { toConversationView, toMessageView } from './conversation.presenters.js';
import type { Actor, LaunchContext, MessageCitation, Priority } from './conversation.types.js';
import { maxPriority, PRIORITY_RANK } from './conversation.types.js';
import type { ConversationView, MessageView } from './conversation.views.js';
import { CACHED_MESSAGES, ConversationCache } from './conversation-cache.js';
import { ConversationLocks } from './conversation-lock.js';
import { recordAnswerFeedback } from './feedback.service.js';
import { type AnswerRecord, type Message, MessageModel } from './message.model.js';
import { hitRateLimit, refundRateLimit } from './rate-limit.js';
import { canTransition, OPEN_STATUSES, type TransitionAction } from './status-machine.js';
import {
  type ThreadPointer,
  ThreadPointerModel,
  threadPointerId,
  threadPointerOf,
} from './thread-pointer.model.js';

/** What {@link ConversationService} needs; everything but events and Redis has a default. */
export interface ConversationServiceDeps {
  events: EventEmitter;
  /** A fail-fast (producer) connection, for rate limits and staff presence. */
  redis: Redis;
  /** REDIS_PREFIX: namespaces rate-limit and presence keys. */
  prefix: string;
  config?: HandoffConfigService;
  replyPolicies?: ReplyPolicyProvider;
  presence?: StaffPresence;
  /** A model summariser for handoff cards (extractive when absent or failing). */
  summariser?: HandoffSummariser;
  logger?: Logger;
  /** The clock (tests move it). */
  now?: () => Date;
}

/** Every call names its tenant and who acts (from the session, never from the request body). */
export interface ActorInput {
  tenantId: string;
  actor: Actor;
}

/** An action by a thread's owner (or a lead, who passes `asLead` once the permission is checked). */
export interface OwnerInput extends ActorInput {
  conversationId: string;
  note?: string;
  asLead?: boolean;
}

type TransitionChange = { set?: Record<string, unknown>; unset?: string[] };
/** A line the service itself writes into a thread: the bot's, or a system line telling of a change. */
type SystemLine = { author: 'bot' | 'system'; text: string; clientId: string; kind?: 'message' | 'event' };
type TransitionPayload = ReturnType<ConversationService['transitionPayload']>;
type OwnerEvent =
  | 'conversation.transferred'
  | 'conversation.released'
  | 'conversation.handed_back'
  | 'conversation.resolved';

/** A thread and its history, as the chat page opens it. */
export interface OpenResult {
  conversation: ConversationView;
  messages: MessageView[];
  created: boolean;
}

/** What happened when a handoff was made. */
export interface HandoffOutcome {
  reasons: HandoffReason[];
  priority: Priority;
  category?: string;
  mode: 'live' | 'async';
  replyBy: string;
  /** "Monday 11:00, New York time", in the thread's language. */
  replyByText: string;
  /** The bot's announcement to the learner. */
  announcement: MessageView;
}

/** The result of a learner message. */
export interface PostResult {
  conversation: ConversationView;
  message: MessageView;
  /** True when this client id was already posted: nothing new happened. */
  duplicate: boolean;
  /** True when the caller should now ask the assistant and call {@link ConversationService.recordBotAnswer}. */
  botShouldAnswer: boolean;
  /** Set when this message handed the thread off (asking for a person, a keyword rule). */
  handoff?: HandoffOutcome;
  /** Set when the message reopened a resolved thread, or started a new one because the old one was closed. */
  reopened?: boolean;
  startedNew?: boolean;
  /** Bot or system lines the message caused (announcements, confirmations), in order. */
  replies: MessageView[];
}

/** The assistant's answer to store. */
export interface BotAnswerInput {
  tenantId: string;
  conversationId: string;
  /** The learner message's client id: makes the answer idempotent too. */
  replyTo?: string;
  text: string;
  citations?: MessageCitation[];
  confidence: number;
  /** The documents do not cover the question (counts as low confidence). */
  notCovered?: boolean;
  /** Evidence and cost of the answer, stored with it. */
  answer?: AnswerRecord;
}

/** The result of pressing "Talk to a person". */
export interface RequestHandoffResult {
  conversation: ConversationView;
  handoff?: HandoffOutcome;
  /** True when the thread was already with people (nothing changed). */
  alreadyWithPeople: boolean;
}

/** The result of storing a bot answer. */
export interface BotAnswerResult {
  conversation: ConversationView;
  /** Undefined when the answer was dropped because an admin took the thread meanwhile. */
  message?: MessageView;
  handoff?: HandoffOutcome;
  /** The "would you like a person?" line, when the answer was weak but not enough to hand off. */
  offer?: MessageView;
}

const CLIENT_ID = /^[A-Za-z0-9_.:-]{1,100}$/;
const EMAIL = /[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}/i;
const isDuplicateKey = (error: unknown) => (error as { code?: number })?.code === 11000;
const openKeyFor = (userId: string, courseId?: string) => `open:${userId}:${courseId ?? '-'}`;
const AUTHORS = new Set(['learner', 'bot', 'admin', 'system']);
const KINDS = new Set(['message', 'note', 'event']);

/**
 * A message document built directly, for the fields this service itself produces (a mongoose document
 * costs about a millisecond of CPU per message). Returns undefined for anything the schema might refuse
 * or reshape, so the caller falls back to the schema's own validation and errors.
 */
function plainMessage(
  conversation: Conversation,
  fields: Omit<Partial<Message>, '_id' | 'tenantId' | 'conversationId'> &
    Pick<Message, 'author' | 'text' | 'clientId' | 'createdAt'>,
): Message | undefined {
  const kind = fields.kind ?? 'message';
  if (
    !AUTHORS.has(fields.author) ||
    !KINDS.has(kind) ||
    typeof fields.text !== 'string' ||
    !fields.text ||
    typeof fields.clientId !== 'string' ||
    !fields.clientId ||
    fields.clientId.length > 100 ||
    !(fields.createdAt instanceof Date) ||
    (fields.authorId !== undefined && !(fields.authorId instanceof Types.ObjectId)) ||
    (fields.confidence !== undefined && typeof fields.confidence !== 'number') ||
    (fields.feedback !== undefined && fields.feedback !== 'up' && fields.feedback !== 'down')
  )
    return undefined;
  return {
    _id: new Types.ObjectId(),
    tenantId: conversation.tenantId,
    conversationId: conversation._id,
    author: fields.author,
    authorId: fields.authorId,
    authorName: fields.authorName === undefined ? undefined : String(fields.authorName),
    kind,
    text: fields.text,
    citations: (fields.citations ?? []).map((c) => ({
      index: c.index === undefined ? undefined : Number(c.index),
      title: c.title === undefined ? undefined : String(c.title),
      url: c.url === undefined ? undefined : String(c.url),
      path: c.path === undefined ? undefined : String(c.path),
      heading: c.heading === undefined ? undefined : String(c.heading),
    })) as MessageCitation[],
    confidence: fields.confidence,
    clientId: fields.clientId,
    internal: fields.internal ?? false,
    answer: fields.answer,
    feedback: fields.feedback,
    createdAt: fields.createdAt,
  };
}

/** Times of a thread that change with every message (see `ConversationService.touch`). */
const ACTIVITY_FIELDS = ['lastMessageAt', 'lastLearnerMessageAt', 'updatedAt'] as const;

/** The per-message times of a thread, for a write of its document to carry along. */
const activityOf = (conversation: Conversation) => ({
  lastMessageAt: conversation.lastMessageAt,
  ...(conversation.lastLearnerMessageAt ? { lastLearnerMessageAt: conversation.lastLearnerMessageAt } : {}),
});

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

/** What a learner may see of a thread's messages: no internal notes. */
const learnerMay = (message: MessageView) => !message.internal && message.kind !== 'note';

/**
 * The conversation domain: threads, messages and the status machine, with handoff decisions applied
 * as messages arrive. Every state change is a conditional update on (status, version) — no transactions
 * needed — followed by an event. Inputs are plain data; nothing here knows about HTTP.
 */
export class ConversationService {
  readonly config: HandoffConfigService;
  private readonly replyPolicies: ReplyPolicyProvider;
  private readonly presence: StaffPresence;
  private readonly now: () => Date;
  private readonly locks: ConversationLocks;
  /** Threads whose lock this process holds (see {@link HeldThread}). */
  private readonly held = new Map<string, HeldThread>();
  private readonly cache: ConversationCache;
  private readonly messageInserts = new InsertBatcher(() => MessageModel.collection as unknown as Collection);

  constructor(private readonly deps: ConversationServiceDeps) {
    this.locks = new ConversationLocks(deps.redis, deps.prefix);
    this.cache = new ConversationCache(deps.redis, deps.prefix);
    this.config = deps.config ?? new HandoffConfigService();
    this.replyPolicies = deps.replyPolicies ?? tenantReplyPolicies();
    this.presence = deps.presence ?? new RedisStaffPresence(deps.redis, deps.prefix);
    this.now = deps.now ?? (() => new Date());
  }

  // ---------------------------------------------------------------- learner side

  /**
   * The user's thread in this course: the open one, else one resolved within the reopen window (so a
   * returning learner sees the admin's reply), else a new one. At most one open thread per user and
   * course, guaranteed by a unique key rather than a transaction.
   */
  async openOrContinue(
    input: ActorInput & { courseId?: string; email?: string; locale?: string; context?: LaunchContext },
  ): Promise<OpenResult> {
    const tenantId = objectId(input.tenantId, 'Tenant');
    const userId = objectId(input.actor.userId, 'User');
    const courseId = input.courseId ? objectId(input.courseId, 'Course') : undefined;
    const openKey = openKeyFor(String(userId), input.courseId);
    const known = await this.knownOpenThread(input.tenantId, input.actor.userId, input.courseId);
    const latest = known ?? (await this.latestThread(tenantId, userId, courseId));
    if (latest?.openKey === openKey) {
      const open = known ?? (await this.withActivity(latest));
      if (!known)
        await this.cache.setThread(input.tenantId, input.actor.userId, input.courseId, String(open._id));
      return {
        conversation: toConversationView(open),
        messages: await this.messagesOf(open, true),
        created: false,
      };
    }

    const settings = await this.config.getSettings(input.tenantId);
    if (latest && this.resolvedWithin(latest, settings))
      return {
        conversation: toConversationView(latest),
        messages: await this.messagesOf(latest, true),
        created: false,
      };

    const { conversation, created } = await this.createOpen(input, openKey, { looked: true });
    return {
      conversation: toConversationView(conversation),
      // A thread this call created has no messages yet: skip the query.
      messages: created ? [] : await this.messagesOf(conversation, true),
      created,
    };
  }

  /**
   * The user's open thread in this course when it is already known (no collection scan: a Redis pointer
   * checked by `_id`), with its history; null when {@link openOrContinue} must look (or create).
   */
  async continueOpen(
    input: ActorInput & { courseId?: string },
  ): Promise<{ conversation: ConversationView; messages: MessageView[] } | null> {
    const open = await this.knownOpenThread(input.tenantId, input.actor.userId, input.courseId);
    if (!open) return null;
    return { conversation: toConversationView(open), messages: await this.messagesOf(open, true) };
  }

  /** The id of the user's open thread in this course when it is already known (see {@link continueOpen}). */
  async openThreadId(input: ActorInput & { courseId?: string }): Promise<string | null> {
    const open = await this.knownOpenThread(input.tenantId, input.actor.userId, input.courseId);
    return open ? String(open._id) : null;
  }

  /** The thread the Redis pointer names, if it is still this user's open thread in this course. */
  private async knownOpenThread(
    tenantId: string,
    userId: string,
    courseId?: string,
  ): Promise<Conversation | null> {
    const id = await this.cache.threadOf(tenantId, userId, courseId);
    if (!id || !Types.ObjectId.isValid(id)) return null;
    const conversation = await this.document(id);
    if (
      !conversation ||
      String(conversation.tenantId) !== tenantId ||
      String(conversation.user.userId) !== userId ||
      conversation.openKey !== openKeyFor(userId, courseId)
    )
      return null;
    return this.withActivity(conversation);
  }

  /**
   * A learner's message. Idempotent by `clientId` (a retry returns the first result, never a second
   * message), limited in length and rate, and routed by status: in `bot` it may hand off (asking for a
   * person, keyword rules) or ask the caller to get an answer; in `waiting`/`assigned` it goes to people
   * and the bot stays silent; in `resolved` it reopens the thread within the window, else starts a new one.
   */
  async postLearnerMessage(
    input: ActorInput & { conversationId: string; clientId: string; text: string; salesEnquiry?: boolean },
  ): Promise<PostResult> {
    return this.locked(input.conversationId, () => this.postLearnerMessageLocked(input));
  }

  private async postLearnerMessageLocked(
    // `salesEnquiry`: the caller saw a prospect's enquiry (src/leads): in `bot` no handoff rule applies
    // and the bot does not answer; the caller captures the lead instead.
    input: ActorInput & { conversationId: string; clientId: string; text: string; salesEnquiry?: boolean },
  ): Promise<PostResult> {
    const settings = await this.config.getSettings(input.tenantId);
    let conversation = await this.loadOwn(input.tenantId, input.conversationId, input.actor.userId);
    const locale = conversation.locale;
    const text = this.validateText(input.text, settings, locale);
    if (!CLIENT_ID.test(input.clientId))
      throw new AppError('bad_request', 'clientId must be 1–100 letters, digits or _.:-');

    // Idempotency rests on the unique (conversation, clientId) index: insert first, and a clash means
    // "already posted" (one query fewer on the hot path than looking first). The rate-limit token a
    // retry took is given back.
    const rateKey = this.rateKey(input.tenantId, input.actor.userId);
    try {
      await this.enforceRate(rateKey, settings, locale);
    } catch (error) {
      // A retry of a message already stored is answered, not refused.
      const first = await this.findByClientId(
        conversation.tenantId,
        conversation.user.userId,
        input.clientId,
      );
      if (first) return this.duplicateResult(first);
      throw error;
    }

    const replies: MessageView[] = [];
    let reopened = false;
    let startedNew = false;
    if (conversation.status === 'resolved') {
      const next = await this.continueResolved(conversation, input.actor, settings);
      reopened = next.reopened;
      startedNew = next.startedNew;
      conversation = next.conversation;
      if (next.line) replies.push(next.line);
    }

    const now = this.now();
    let message: Message;
    try {
      const thread = conversation;
      message = await this.postMessage(
        thread,
        {
          author: 'learner',
          authorId: thread.user.userId,
          authorName: input.actor.name ?? thread.user.name,
          kind: 'message',
          text,
          clientId: input.clientId,
          createdAt: now,
        },
        (view) => [this.eventOf(thread, 'message.posted', this.eventActor(input.actor), { message: view })],
      );
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // A retry: answer with the first message, and give the rate-limit token back.
      await refundRateLimit(this.deps.redis, rateKey, 60, this.now().getTime()).catch(() => undefined);
      const first = await this.findByClientId(
        conversation.tenantId,
        conversation.user.userId,
        input.clientId,
      );
      if (first) return this.duplicateResult(first);
      throw error;
    }
    const messageView = toMessageView(message);
    const set: Record<string, unknown> = { lastMessageAt: now, lastLearnerMessageAt: now };
    const asyncCapture = conversation.status === 'waiting' && conversation.handoff?.mode === 'async';
    const email = asyncCapture && !conversation.contactEmail ? EMAIL.exec(text)?.[0] : undefined;
    if (email && email.toLowerCase() !== conversation.user.email?.toLowerCase()) set.contactEmail = email;
    // A prospect's enquiry in a bot thread marks the document (rare, so the write is fine): the inbox
    // index reads the mark when the lead prompt is posted and on rebuilds, and leaves the thread out.
    if (conversation.status === 'bot' && input.salesEnquiry) set.leadAt = now;
    conversation =
      conversation.status === 'bot' && !set.contactEmail && !set.leadAt
        ? await this.touch(conversation, { lastMessageAt: now, lastLearnerMessageAt: now })
        : await this.update(conversation, set);

    if (set.contactEmail) {
      await this.emit(conversation, 'conversation.contact_updated', this.eventActor(input.actor), {
        email: String(set.contactEmail),
      });
      replies.push(
        await this.postLine(conversation, {
          author: 'bot',
          text: handoffText('contactNoted', locale, { email: String(set.contactEmail) }),
          clientId: `contact:${input.clientId}`,
        }),
      );
    }

    if (conversation.status === 'bot' && !input.salesEnquiry) {
      const rules = await this.config.compiledRules(input.tenantId);
      const decision = decideHandoff({
        text,
        locale,
        role: conversation.user.role,
        courseId: conversation.courseId ? String(conversation.courseId) : undefined,
        previousStreak: conversation.lowConfidenceStreak,
        rules,
        settings,
        currentPriority: conversation.priority,
      });
      if (decision.handoff) {
        const outcome = await this.handOff(conversation, decision, settings, input.actor);
        replies.push(outcome.handoff.announcement);
        return {
          conversation: toConversationView(outcome.conversation),
          message: messageView,
          duplicate: false,
          botShouldAnswer: false,
          handoff: outcome.handoff,
          reopened,
          startedNew,
          replies,
        };
      }
    } else if (conversation.status === 'waiting' || conversation.status === 'assigned') {
      conversation = await this.triage(conversation, text, settings, input.actor);
    }

    return {
      conversation: toConversationView(conversation),
      message: messageView,
      duplicate: false,
      botShouldAnswer: conversation.status === 'bot' && !input.salesEnquiry,
      reopened,
      startedNew,
      replies,
    };
  }

  /**
   * Stores the assistant's answer to a learner message and applies the low-confidence trigger: after N weak
   * answers in a row (per role) the thread is handed off; a weak answer short of that gets an offer of a
   * person. Dropped if an admin took the thread while the bot was thinking (the bot stays silent then).
   */
  async recordBotAnswer(input: BotAnswerInput): Promise<BotAnswerResult> {
    return this.locked(input.conversationId, () => this.recordBotAnswerLocked(input));
  }

  private async recordBotAnswerLocked(input: BotAnswerInput): Promise<BotAnswerResult> {
    let conversation = await this.load(input.tenantId, input.conversationId);
    if (conversation.status === 'assigned' || conversation.status === 'resolved')
      return { conversation: toConversationView(conversation) };
    // Idempotent through the unique (conversation, clientId) index, like learner messages.
    const clientId = input.replyTo ? `bot:${input.replyTo}` : `bot:${randomUUID()}`;
    let message: Message;
    try {
      const thread = conversation;
      message = await this.postMessage(
        thread,
        {
          author: 'bot',
          kind: 'message',
          text: input.text,
          citations: input.citations ?? [],
          confidence: input.confidence,
          answer: input.answer,
          clientId,
          createdAt: this.now(),
        },
        (view) => [this.eventOf(thread, 'message.posted', { role: 'bot' }, { message: view })],
      );
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const first = await MessageModel.findOne({
        tenantId: conversation.tenantId,
        conversationId: conversation._id,
        clientId,
      }).lean<Message>();
      return {
        conversation: toConversationView(conversation),
        message: first ? toMessageView(first) : undefined,
      };
    }
    const messageView = toMessageView(message);
    if (conversation.status !== 'bot') {
      // Handed off while the bot was answering: the answer is useful context, but triggers no longer apply.
      conversation = await this.update(conversation, { lastMessageAt: message.createdAt });
      return { conversation: toConversationView(conversation), message: messageView };
    }

    const settings = await this.config.getSettings(input.tenantId);
    const decision = decideHandoff({
      text: '',
      role: conversation.user.role,
      courseId: conversation.courseId ? String(conversation.courseId) : undefined,
      answer: { confidence: input.confidence, notCovered: input.notCovered },
      previousStreak: conversation.lowConfidenceStreak,
      rules: [],
      settings,
      currentPriority: conversation.priority,
    });
    conversation =
      decision.streak === (conversation.lowConfidenceStreak ?? 0)
        ? await this.touch(conversation, { lastMessageAt: message.createdAt })
        : await this.update(conversation, {
            lastMessageAt: message.createdAt,
            lowConfidenceStreak: decision.streak,
          });

    if (decision.handoff) {
      const learner = { userId: String(conversation.user.userId), role: conversation.user.role };
      const outcome = await this.handOff(conversation, decision, settings, learner, { role: 'bot' });
      return {
        conversation: toConversationView(outcome.conversation),
        message: messageView,
        handoff: outcome.handoff,
      };
    } else if (decision.offerPerson) {
      const offer = await this.postLine(conversation, {
        author: 'bot',
        text: handoffText('lowConfidenceOffer', conversation.locale),
        clientId: `offer:${message._id}`,
      });
      return { conversation: toConversationView(conversation), message: messageView, offer };
    }
    return { conversation: toConversationView(conversation), message: messageView };
  }

  /**
   * The learner pressed "Talk to a person". Idempotent: a thread already with people is returned as is;
   * a resolved one reopens (within the window).
   */
  async requestHandoff(input: ActorInput & { conversationId: string }): Promise<RequestHandoffResult> {
    return this.locked(input.conversationId, () => this.requestHandoffLocked(input));
  }

  private async requestHandoffLocked(
    input: ActorInput & { conversationId: string },
  ): Promise<RequestHandoffResult> {
    let conversation = await this.loadOwn(input.tenantId, input.conversationId, input.actor.userId);
    const settings = await this.config.getSettings(input.tenantId);
    if (conversation.status === 'resolved') {
      const next = await this.continueResolved(conversation, input.actor, settings);
      conversation = next.conversation;
    }
    if (conversation.status !== 'bot')
      return { conversation: toConversationView(conversation), alreadyWithPeople: true };
    const decision = decideHandoff({
      text: '',
      via: 'button',
      role: conversation.user.role,
      courseId: conversation.courseId ? String(conversation.courseId) : undefined,
      previousStreak: conversation.lowConfidenceStreak,
      rules: [],
      settings,
      currentPriority: conversation.priority,
    });
    const outcome = await this.handOff(conversation, decision, settings, input.actor);
    return {
      conversation: toConversationView(outcome.conversation),
      handoff: outcome.handoff,
      alreadyWithPeople: false,
    };
  }

  /**
   * Whether a thread is with people (`waiting` or `assigned`), from its Redis copy when there is one: the
   * chat skips the lead model's wait there, since a lead verdict only matters in a thread with the bot.
   */
  async isWithPeople(tenantId: string, conversationId: string): Promise<boolean> {
    const conversation = await this.document(objectId(conversationId, 'Conversation').toHexString());
    return (
      String(conversation?.tenantId) === tenantId &&
      (conversation?.status === 'waiting' || conversation?.status === 'assigned')
    );
  }

  /**
   * A bot line in a thread that stays with the bot (the lead-capture prompt of src/leads), through the
   * same path as the bot's announcements: idempotent by its client id.
   */
  async postBotLine(input: {
    tenantId: string;
    conversationId: string;
    clientId: string;
    text: string;
  }): Promise<MessageView> {
    return this.locked(input.conversationId, async () =>
      this.postLine(await this.load(input.tenantId, input.conversationId), {
        author: 'bot',
        text: input.text,
        clientId: input.clientId,
      }),
    );
  }

  /** A learner's thumbs up or down on a bot answer in their own thread. */
  async recordFeedback(input: {
    tenantId: string;
    userId: string;
    messageId: string;
    value: 'up' | 'down';
  }): Promise<void> {
    await this.cache.replace(await recordAnswerFeedback(input, this.deps.events));
  }

  // ---------------------------------------------------------------- staff side

  /**
   * Takes ownership of a waiting thread. Atomic: the update is conditional on (status, version), so of any
   * number of simultaneous claims exactly one wins; the others get a `conflict` naming the owner. Claiming a
   * thread you already own succeeds again (double clicks).
   */
  async claim(input: ActorInput & { conversationId: string }): Promise<ConversationView> {
    return this.locked(input.conversationId, () => this.claimLocked(input));
  }

  private async claimLocked(input: ActorInput & { conversationId: string }): Promise<ConversationView> {
    this.assertStaff(input.actor);
    const conversation = await this.load(input.tenantId, input.conversationId);
    if (conversation.status === 'assigned') {
      if (String(conversation.assigneeId) === input.actor.userId) return toConversationView(conversation);
      throw new AppError(
        'conflict',
        `${conversation.assigneeName ?? 'Another admin'} already owns this conversation.`,
        {
          assigneeId: String(conversation.assigneeId),
          assigneeName: conversation.assigneeName,
        },
      );
    }
    const assignee = { userId: input.actor.userId, name: input.actor.name };
    const { updated } = await this.transitionTold(
      conversation,
      'claim',
      { set: { assigneeId: objectId(input.actor.userId, 'User'), assigneeName: input.actor.name } },
      (updated) => ({
        event: this.eventOf(updated, 'conversation.claimed', this.eventActor(input.actor), {
          ...this.transitionPayload(conversation, updated, 'claim'),
          assignee,
        }),
        line: {
          author: 'system',
          text: handoffText('claimed', updated.locale, { name: input.actor.name ?? 'An admin' }),
          clientId: `sys:claim:${updated.version}`,
          kind: 'event',
        },
      }),
    );
    return toConversationView(updated);
  }

  /**
   * Gives an owned thread to another admin (and optionally a team). Only the owner may, unless the caller
   * has already checked a lead permission and passes `asLead`.
   */
  async transfer(input: OwnerInput & { to: AssigneeRef; teamId?: string }): Promise<ConversationView> {
    return this.ownerTransition(input, {
      action: 'transfer',
      event: 'conversation.transferred',
      change: {
        set: {
          assigneeId: objectId(input.to.userId, 'User'),
          assigneeName: input.to.name,
          ...(input.teamId ? { teamId: objectId(input.teamId, 'Team') } : {}),
        },
      },
      payload: (before) => ({
        previousAssignee: this.assigneeOf(before),
        assignee: { userId: input.to.userId, name: input.to.name },
        teamId: input.teamId,
      }),
    });
  }

  /** The owner lets go: the thread returns to the shared queue (optionally for a team). */
  async release(input: OwnerInput & { teamId?: string }): Promise<ConversationView> {
    return this.ownerTransition(input, {
      action: 'release',
      event: 'conversation.released',
      change: {
        set: input.teamId ? { teamId: objectId(input.teamId, 'Team') } : {},
        unset: ['assigneeId', 'assigneeName'],
      },
      payload: (before) => ({ previousAssignee: this.assigneeOf(before), teamId: input.teamId }),
    });
  }

  /** The owner returns the thread to the bot, which answers the learner's next message again. */
  async handBack(input: OwnerInput): Promise<ConversationView> {
    return this.ownerTransition(input, {
      action: 'hand_back',
      event: 'conversation.handed_back',
      change: { set: { lowConfidenceStreak: 0 }, unset: ['assigneeId', 'assigneeName', 'replyBy'] },
      payload: (before) => ({ previousAssignee: this.assigneeOf(before) }),
      line: 'handedBack',
    });
  }

  /** The owner closes the thread, optionally with a resolution category. */
  async resolve(input: OwnerInput & { resolution?: string }): Promise<ConversationView> {
    const resolution = input.resolution?.trim().slice(0, 60) || undefined;
    return this.ownerTransition(
      { ...input, note: undefined },
      {
        action: 'resolve',
        event: 'conversation.resolved',
        change: (before) => ({
          set: {
            openKey: `closed:${before._id}`,
            resolvedAt: this.now(),
            ...(resolution ? { resolution } : {}),
          },
        }),
        payload: () => ({ resolution }),
        line: 'resolved',
      },
    );
  }

  /**
   * What the owner's actions share: under the thread's lock, the owner (or a lead) moves the thread, the
   * change is announced as an event, and a system line tells the learner when the action has one.
   */
  private async ownerTransition<N extends OwnerEvent>(
    input: OwnerInput,
    spec: {
      action: TransitionAction;
      event: N;
      change: TransitionChange | ((before: Conversation) => TransitionChange);
      payload: (before: Conversation) => Omit<EventPayloads[N], keyof TransitionPayload>;
      line?: 'handedBack' | 'resolved';
    },
  ): Promise<ConversationView> {
    return this.locked(input.conversationId, async () => {
      const before = await this.loadOwned(input);
      const change = typeof spec.change === 'function' ? spec.change(before) : spec.change;
      const { updated } = await this.transitionTold(before, spec.action, change, (updated) => ({
        event: this.eventOf(updated, spec.event, this.eventActor(input.actor), {
          ...this.transitionPayload(before, updated, spec.action, input.note),
          ...spec.payload(before),
        } as EventPayloads[N]),
        ...(spec.line
          ? {
              line: {
                author: 'system' as const,
                text: handoffText(spec.line, updated.locale),
                clientId: `sys:${spec.action}:${updated.version}`,
                kind: 'event' as const,
              },
            }
          : {}),
      }));
      return toConversationView(updated);
    });
  }

  /**
   * An admin reopens a resolved thread (back to the queue). Refused when the learner has since started
   * another open thread in that course: work that one instead.
   */
  async reopen(input: ActorInput & { conversationId: string; note?: string }): Promise<ConversationView> {
    return this.locked(input.conversationId, () => this.reopenLocked(input));
  }

  private async reopenLocked(
    input: ActorInput & { conversationId: string; note?: string },
  ): Promise<ConversationView> {
    this.assertStaff(input.actor);
    const conversation = await this.load(input.tenantId, input.conversationId);
    const updated = await this.reopenThread(conversation, 'reopen');
    if (!updated)
      throw new AppError('conflict', 'The learner already has another open conversation in this course.');
    await this.emit(updated, 'conversation.reopened', this.eventActor(input.actor), {
      ...this.transitionPayload(conversation, updated, 'reopen', input.note),
      by: 'admin',
    });
    return toConversationView(updated);
  }

  /** An internal note: staff only, stored with `internal: true`, never returned or published to learners. */
  async addNote(
    input: ActorInput & { conversationId: string; clientId: string; text: string },
  ): Promise<MessageView> {
    return this.locked(input.conversationId, () => this.addNoteLocked(input));
  }

  private async addNoteLocked(
    input: ActorInput & { conversationId: string; clientId: string; text: string },
  ): Promise<MessageView> {
    this.assertStaff(input.actor);
    const conversation = await this.load(input.tenantId, input.conversationId);
    return this.postStaffMessage(conversation, input, 'note');
  }

  /** The owner's reply to the learner, in the same thread. */
  async postAdminReply(
    input: ActorInput & { conversationId: string; clientId: string; text: string },
  ): Promise<MessageView> {
    return this.locked(input.conversationId, () => this.postAdminReplyLocked(input));
  }

  private async postAdminReplyLocked(
    input: ActorInput & { conversationId: string; clientId: string; text: string },
  ): Promise<MessageView> {
    this.assertStaff(input.actor);
    const conversation = await this.load(input.tenantId, input.conversationId);
    if (conversation.status !== 'assigned' || String(conversation.assigneeId) !== input.actor.userId)
      throw new AppError('forbidden', 'Take over this conversation before replying.');
    return this.postStaffMessage(conversation, input, 'message');
  }

  // ---------------------------------------------------------------- SLA timers (system actor)

  /**
   * A step of a thread's SLA (warning, breach, escalation) recorded as a staff-only system note, with the
   * `sla.*` event that tells of it stored and published alongside. Idempotent by `clientId` (unique per
   * thread): a second call writes and emits nothing and returns false, so a timer that runs twice is told once.
   */
  async recordSlaStep<N extends 'sla.warned' | 'sla.breached' | 'sla.escalated'>(input: {
    tenantId: string;
    conversationId: string;
    clientId: string;
    text: string;
    event: N;
    payload: EventPayloads[N];
  }): Promise<boolean> {
    return this.locked(input.conversationId, async () => {
      const conversation = await this.load(input.tenantId, input.conversationId);
      const actor: EventActor = { role: 'system' };
      try {
        await this.postMessage(
          conversation,
          {
            author: 'system',
            kind: 'note',
            internal: true,
            text: input.text,
            clientId: input.clientId,
            createdAt: this.now(),
          },
          (view) => [
            this.eventOf(conversation, input.event, actor, input.payload),
            this.eventOf(conversation, 'note.added', actor, { message: view }),
          ],
        );
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    });
  }

  /**
   * Raises a waiting or assigned thread's priority to at least `to` (an SLA escalation), told as
   * `conversation.triaged` like any priority change. Returns the new priority, or null when nothing changed
   * (already that urgent, or no longer with people): running it twice raises once.
   */
  async raisePriorityBySystem(input: {
    tenantId: string;
    conversationId: string;
    to: Priority;
  }): Promise<Priority | null> {
    return this.locked(input.conversationId, async () => {
      const conversation = await this.load(input.tenantId, input.conversationId);
      if (conversation.status !== 'waiting' && conversation.status !== 'assigned') return null;
      if (PRIORITY_RANK[conversation.priority] >= PRIORITY_RANK[input.to]) return null;
      const updated = await this.update(conversation, { priority: input.to });
      await this.emit(
        updated,
        'conversation.triaged',
        { role: 'system' },
        {
          priority: input.to,
          category: updated.category,
          reasons: [],
          notify: [],
        },
      );
      return input.to;
    });
  }

  /**
   * Takes an assigned thread back to the shared queue (an SLA escalation), as the owner's release would:
   * `conversation.released` by the system. Only when `fromAssigneeId` still owns it (else null), so running
   * it twice, or after someone else took the thread, changes nothing.
   */
  async releaseBySystem(input: {
    tenantId: string;
    conversationId: string;
    fromAssigneeId: string;
    note?: string;
  }): Promise<AssigneeRef | null> {
    return this.locked(input.conversationId, async () => {
      const before = await this.load(input.tenantId, input.conversationId);
      if (before.status !== 'assigned' || String(before.assigneeId) !== input.fromAssigneeId) return null;
      const previousAssignee = this.assigneeOf(before);
      await this.transitionTold(before, 'release', { unset: ['assigneeId', 'assigneeName'] }, (updated) => ({
        event: this.eventOf(
          updated,
          'conversation.released',
          { role: 'system' },
          {
            ...this.transitionPayload(before, updated, 'release', input.note),
            previousAssignee,
          },
        ),
      }));
      return previousAssignee ?? null;
    });
  }

  /**
   * Moves a waiting or assigned thread's reply-by to the running response clock's due time (a next response
   * started, the priority changed), so the inbox's order follows the timers. No-op when unchanged.
   */
  async setReplyBy(input: { tenantId: string; conversationId: string; replyBy: Date }): Promise<boolean> {
    return this.locked(input.conversationId, async () => {
      const conversation = await this.load(input.tenantId, input.conversationId);
      if (conversation.status !== 'waiting' && conversation.status !== 'assigned') return false;
      if (conversation.replyBy?.getTime() === input.replyBy.getTime()) return false;
      await this.update(conversation, { replyBy: input.replyBy });
      return true;
    });
  }

  // ---------------------------------------------------------------- reading

  /**
   * A thread document of the tenant for system jobs (the SLA timers), or null: the Redis copy its writers
   * keep, else the database's by `_id`, as every read here, so a job does not cost a FerretDB read per run.
   */
  async findForSystem(tenantId: string, conversationId: string): Promise<Conversation | null> {
    if (!Types.ObjectId.isValid(conversationId)) return null;
    const conversation = await this.document(conversationId);
    return conversation && String(conversation.tenantId) === tenantId ? conversation : null;
  }

  /** One thread (staff view). Learners get only their own (404 otherwise). */
  async get(input: ActorInput & { conversationId: string }): Promise<ConversationView> {
    const conversation =
      input.actor.role === 'learner'
        ? await this.loadOwn(input.tenantId, input.conversationId, input.actor.userId)
        : await this.load(input.tenantId, input.conversationId);
    return toConversationView(conversation);
  }

  /**
   * A thread's messages, oldest first. `forLearner` leaves out internal notes (and is forced for learner
   * actors, who also only ever read their own threads). Page backwards with `before` (a message id).
   */
  async history(
    input: ActorInput & { conversationId: string; forLearner: boolean; before?: string; limit?: number },
  ): Promise<MessageView[]> {
    const forLearner = input.forLearner || input.actor.role === 'learner';
    const conversation =
      forLearner && input.actor.role === 'learner'
        ? await this.loadOwn(input.tenantId, input.conversationId, input.actor.userId)
        : await this.load(input.tenantId, input.conversationId);
    return this.messagesOf(conversation, forLearner, input.before, input.limit);
  }

  /**
   * The confidence below which the bot declines and offers a person: the tenant's low-confidence
   * threshold, so moving it moves the answered / handed-off trade-off (confidence is calibrated; 0.5 is even).
   */
  async answerThreshold(tenantId: string): Promise<number> {
    return (await this.config.getSettings(tenantId)).lowConfidence.confidenceThreshold;
  }

  /**
   * The newest messages a learner sees of a thread the caller has already checked is theirs (the bot's
   * context right after {@link postLearnerMessage}): no second read of the thread.
   */
  async learnerContext(input: {
    tenantId: string;
    conversationId: string;
    limit: number;
  }): Promise<MessageView[]> {
    const ref = {
      _id: objectId(input.conversationId, 'Conversation'),
      tenantId: objectId(input.tenantId, 'Tenant'),
    } as Conversation;
    return this.messagesOf(ref, true, undefined, input.limit);
  }

  // ---------------------------------------------------------------- internals

  private async messagesOf(
    conversation: Conversation,
    forLearner: boolean,
    before?: string,
    limit = 200,
  ): Promise<MessageView[]> {
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
    const page = await MessageModel.find(filter)
      .sort({ _id: -1 })
      .limit(Math.min(Math.max(1, limit), 500))
      .lean<Message[]>();
    return page.reverse().map(toMessageView);
  }

  /** The newest `count` messages proper (no notes or status lines) of a thread, oldest first. */
  private async recentMessages(conversation: Conversation, count: number): Promise<MessageView[]> {
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

  /** A thread's newest cached messages (oldest first, every kind), filling the cache when it is empty. */
  private async cachedMessages(
    conversation: Conversation,
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

  /** A resolved thread the learner still sees (and reopens by writing) within the reopen window. */
  private resolvedWithin(conversation: Conversation, settings: HandoffSettings): boolean {
    const since = this.now().getTime() - settings.reopenWindowDays * 86_400_000;
    return conversation.status === 'resolved' && (conversation.resolvedAt?.getTime() ?? 0) >= since;
  }

  /**
   * The thread the person most recently had open in this course (open now, or the last resolved), found
   * through its pointer by `_id`: never a query over the tenant's threads.
   */
  private async latestThread(
    tenantId: Types.ObjectId,
    userId: Types.ObjectId,
    courseId: Types.ObjectId | undefined,
  ): Promise<Conversation | null> {
    const pointer = await ThreadPointerModel.findById(
      threadPointerId(String(tenantId), String(userId), courseId && String(courseId)),
    ).lean<ThreadPointer>();
    if (!pointer) return null;
    const conversation = await this.document(String(pointer.conversationId));
    const same =
      conversation?.tenantId.equals(tenantId) &&
      conversation.user.userId.equals(userId) &&
      String(conversation.courseId ?? '') === String(courseId ?? '');
    return same ? conversation : null;
  }

  /**
   * Remembers that this thread now holds the person's open key in its course: the Redis pointer read
   * first, and the durable pointer behind it.
   */
  private async rememberThread(conversation: Conversation): Promise<void> {
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

  private async createOpen(
    input: ActorInput & { courseId?: string; email?: string; locale?: string; context?: LaunchContext },
    openKey: string,
    options: { looked?: boolean } = {},
  ): Promise<{ conversation: Conversation; created: boolean }> {
    const tenantId = objectId(input.tenantId, 'Tenant');
    const now = this.now();
    const _id = new Types.ObjectId();
    const doc = {
      _id,
      tenantId,
      ...(input.courseId ? { courseId: objectId(input.courseId, 'Course') } : {}),
      user: {
        userId: objectId(input.actor.userId, 'User'),
        role: input.actor.role,
        ...(input.actor.name ? { name: input.actor.name } : {}),
        ...(input.email ? { email: input.email } : {}),
      },
      status: 'bot',
      priority: computePriority({
        role: input.actor.role,
        categories: [],
        rulePriorities: [],
        urgentRules: [],
      }).priority,
      openKey,
      lastMessageAt: now,
      lowConfidenceStreak: 0,
      version: 0,
      locale: input.locale ?? 'en',
      context: input.context ?? {},
      createdAt: now,
      updatedAt: now,
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      // The caller may just have looked for an open thread; only a retry needs to look again.
      if (attempt > 0 || !options.looked) {
        // Rare (a race lost, or a thread older than its pointer): the one query by the open key.
        const existing = await ConversationModel.findOne({ tenantId, openKey }).lean<Conversation>();
        if (existing) {
          await this.rememberThread(existing);
          return { conversation: existing, created: false };
        }
      }
      try {
        // A plain insert under the unique open key: the one primitive FerretDB makes atomic.
        await ConversationModel.collection.insertOne(doc as never, { ignoreUndefined: true });
        const conversation = doc as unknown as Conversation;
        await Promise.all([
          this.cache.putDoc(String(_id), conversation),
          // A new thread has no messages: its (empty) history is complete from the start.
          this.cache.fill(String(_id), []),
          this.rememberThread(conversation),
        ]);
        await this.emit(conversation, 'conversation.opened', this.eventActor(input.actor), {
          status: 'bot',
          priority: conversation.priority,
          userId: input.actor.userId,
          role: input.actor.role,
        });
        return { conversation, created: true };
      } catch (error) {
        // Two tabs opening at once: the unique key lets one insert; the other reads it on retry.
        if (!isDuplicateKey(error)) throw error;
      }
    }
    throw new AppError('conflict', 'Could not open the conversation; please try again.');
  }

  /** A learner writes to a resolved thread: reopen it within the window, else move to a (new) open one. */
  private async continueResolved(
    conversation: Conversation,
    actor: Actor,
    settings: HandoffSettings,
  ): Promise<{ conversation: Conversation; reopened: boolean; startedNew: boolean; line?: MessageView }> {
    const windowMs = settings.reopenWindowDays * 86_400_000;
    const within =
      conversation.resolvedAt && this.now().getTime() - conversation.resolvedAt.getTime() <= windowMs;
    if (within) {
      const reopened = await this.reopenThread(conversation, 'learner_reopen');
      if (reopened) {
        const line = await this.postLine(
          reopened,
          {
            author: 'system',
            text: handoffText('reopened', reopened.locale),
            clientId: `sys:reopen:${reopened.version}`,
            kind: 'event',
          },
          this.eventOf(reopened, 'conversation.reopened', this.eventActor(actor), {
            ...this.transitionPayload(conversation, reopened, 'learner_reopen'),
            by: 'learner',
          }),
        );
        return { conversation: reopened, reopened: true, startedNew: false, line };
      }
    }
    // Outside the window (or another thread is already open): continue in the open thread, or a new one.
    const courseId = conversation.courseId ? String(conversation.courseId) : undefined;
    const { conversation: next } = await this.createOpen(
      {
        tenantId: String(conversation.tenantId),
        actor: {
          userId: String(conversation.user.userId),
          role: conversation.user.role,
          name: conversation.user.name ?? actor.name,
        },
        courseId,
        email: conversation.user.email,
        locale: conversation.locale,
        context: conversation.context,
      },
      openKeyFor(String(conversation.user.userId), courseId),
    );
    return { conversation: next, reopened: false, startedNew: true };
  }

  /** resolved → waiting with a fresh reply-by; null when another open thread holds the open key. */
  private async reopenThread(conversation: Conversation, action: 'reopen' | 'learner_reopen') {
    const policy = await this.replyPolicies(String(conversation.tenantId));
    const replyBy = policy.replyBy(conversation.priority, this.now(), {
      category: conversation.category,
      role: conversation.user.role,
      courseId: conversation.courseId ? String(conversation.courseId) : undefined,
    });
    try {
      const updated = await this.transition(conversation, action, {
        set: {
          openKey: openKeyFor(
            String(conversation.user.userId),
            conversation.courseId ? String(conversation.courseId) : undefined,
          ),
          replyBy,
        },
        unset: ['resolvedAt', 'resolution', 'assigneeId', 'assigneeName'],
      });
      await this.rememberThread(updated);
      return updated;
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
  }

  /**
   * Applies a handoff decision: reply-by from the tenant's calendar, the card, the bot → waiting
   * transition, the event, and the announcement. Returns undefined if the thread left `bot` meanwhile.
   */
  private async handOff(
    conversation: Conversation,
    decision: HandoffDecision,
    settings: HandoffSettings,
    actor: Actor,
    eventActor: EventActor = this.eventActor(actor),
  ): Promise<{ conversation: Conversation; handoff: HandoffOutcome }> {
    const tenantId = String(conversation.tenantId);
    const now = this.now();
    const policy = await this.replyPolicies(tenantId);
    const open = policy.calendar.isOpen(now);
    // Presence costs a Redis call, so it is only asked when it can matter (in hours, schedule trigger on).
    const staffOnline =
      open && settings.schedule.enabled
        ? await this.presence.anyStaffOnline(tenantId, settings.staffPresenceSeconds)
        : true;
    const schedule = scheduleMode(settings, { open, staffOnline });
    const reasons = [
      ...decision.reasons.filter((r) => r.code !== 'out_of_hours' && r.code !== 'no_staff_online'),
      ...schedule.reasons,
    ];
    const mode = schedule.mode;
    const priority = maxPriority(decision.priority, conversation.priority);
    const category = decision.category ?? conversation.category;
    // The attributes SLA rules choose a policy by: the timers choose with the same ones, so they agree.
    const replyBy = policy.replyBy(priority, now, {
      category,
      role: conversation.user.role,
      courseId: conversation.courseId ? String(conversation.courseId) : undefined,
      keywordRuleIds: decision.reasons.flatMap((r) => (r.code === 'keyword_rule' ? [r.ruleId] : [])),
    });
    const replyByText = policy.calendar.describe(replyBy, conversation.locale, now);

    const recent = (await this.recentMessages(conversation, 12)).reverse();
    const learnerMessages = recent
      .filter((m) => m.author === 'learner')
      .map((m) => m.text)
      .reverse()
      .slice(-5);
    const lastBot = recent.find((m) => m.author === 'bot');
    const card = await buildHandoffCard(
      {
        learnerMessages,
        botAnswer: lastBot
          ? { text: lastBot.text, citations: lastBot.citations ?? [], confidence: lastBot.confidence }
          : undefined,
        reasons,
        mode,
        priority,
        category,
        user: {
          userId: String(conversation.user.userId),
          role: conversation.user.role,
          name: conversation.user.name,
          email: conversation.contactEmail ?? conversation.user.email,
        },
        course:
          conversation.courseId || conversation.context?.courseTitle
            ? {
                courseId: conversation.courseId ? String(conversation.courseId) : undefined,
                title: conversation.context?.courseTitle,
                label: conversation.context?.courseLabel,
              }
            : undefined,
        lms: { ...conversation.context, locale: conversation.locale },
        replyByText,
        now,
      },
      this.deps.summariser,
    );

    // "Within an hour" is only honest when the target fits before closing time; otherwise say when.
    const targetMinutes = policy.targetMinutes(priority);
    const sameStretch = replyBy.getTime() - now.getTime() <= targetMinutes * 60_000 + 1000;
    const told = await this.transitionTold(
      conversation,
      'handoff',
      {
        set: { priority, ...(category ? { category } : {}), handoff: card, replyBy, lowConfidenceStreak: 0 },
      },
      (updated) => ({
        event: this.eventOf(updated, 'conversation.handed_off', eventActor, {
          ...this.transitionPayload(conversation, updated, 'handoff'),
          priority,
          category,
          replyBy: replyBy.toISOString(),
          mode,
          reasons,
          notify: decision.notify,
          summary: card.summary,
        }),
        line: {
          author: 'bot',
          text: handoffAnnouncement({
            locale: updated.locale,
            mode,
            outOfHours: !open,
            replyByText,
            targetMinutes,
            sameStretch,
            email: updated.contactEmail ?? updated.user.email,
          }),
          clientId: `handoff:${updated.version}`,
        },
      }),
    );
    const { updated, line: announcement } = told;
    return {
      conversation: updated,
      handoff: {
        reasons,
        priority,
        category,
        mode,
        replyBy: replyBy.toISOString(),
        replyByText,
        announcement,
      },
    };
  }

  /** Keyword rules still raise priority and category while people handle the thread. */
  private async triage(conversation: Conversation, text: string, settings: HandoffSettings, actor: Actor) {
    if (!settings.keywordRules.enabled) return conversation;
    const matches = matchKeywordRules(text, await this.config.compiledRules(String(conversation.tenantId)));
    if (!matches.length) return conversation;
    const { priority, urgentRules } = computePriority({
      role: conversation.user.role,
      courseId: conversation.courseId ? String(conversation.courseId) : undefined,
      categories: matches.map((m) => m.rule.category),
      rulePriorities: matches.map((m) => m.rule.priority),
      urgentRules: settings.urgentRules,
      current: conversation.priority,
    });
    const top = [...matches].sort(
      (a, b) => PRIORITY_RANK[b.rule.priority] - PRIORITY_RANK[a.rule.priority],
    )[0];
    const category = conversation.category ?? top?.rule.category;
    if (priority === conversation.priority && category === conversation.category) return conversation;
    const updated = await this.update(conversation, { priority, ...(category ? { category } : {}) });
    const reasons: HandoffReason[] = [
      ...matches.map(({ rule, matched }) => ({
        code: 'keyword_rule' as const,
        ruleId: rule.id,
        ruleName: rule.name,
        category: rule.category,
        priority: rule.priority,
        matched,
      })),
      ...urgentRules.map((r) => ({ code: 'urgent_rule' as const, ruleName: r.name })),
    ];
    await this.emit(updated, 'conversation.triaged', this.eventActor(actor), {
      priority,
      category,
      reasons,
      notify: matches.flatMap((m) => m.rule.notify),
    });
    return updated;
  }

  /**
   * The one place status changes: checks the status machine, then writes the new status and version.
   * Callers hold the thread's lock, which is what keeps writers
   * apart (FerretDB does not isolate conditional updates), so the result is merged in memory and the
   * write filters by `_id` alone: an index lookup on FerretDB too, where any other field makes it read
   * the whole collection.
   */
  private async transition(
    conversation: Conversation,
    action: TransitionAction,
    change: TransitionChange,
  ): Promise<Conversation> {
    const { update, updated } = this.planTransition(conversation, action, change);
    await this.writeDocument(conversation, update, updated);
    return updated;
  }

  /**
   * A status change with what tells of it (its event and, when it has one, a line in the thread),
   * written side by side: one wait, not three. The events are published once all are stored; should
   * the document write fail, the line is taken back and the events withdrawn, so nothing is half-told.
   */
  private async transitionTold(
    conversation: Conversation,
    action: TransitionAction,
    change: TransitionChange,
    tell: (updated: Conversation) => { event: NewEvent<EventName>; line: SystemLine },
  ): Promise<{ updated: Conversation; line: MessageView }>;
  private async transitionTold(
    conversation: Conversation,
    action: TransitionAction,
    change: TransitionChange,
    tell: (updated: Conversation) => { event: NewEvent<EventName>; line?: SystemLine },
  ): Promise<{ updated: Conversation; line?: MessageView }>;
  private async transitionTold(
    conversation: Conversation,
    action: TransitionAction,
    change: TransitionChange,
    tell: (updated: Conversation) => { event: NewEvent<EventName>; line?: SystemLine },
  ): Promise<{ updated: Conversation; line?: MessageView }> {
    const { update, updated } = this.planTransition(conversation, action, change);
    const { event, line } = tell(updated);
    const written = this.writeDocument(conversation, update, updated);
    if (!line) {
      await this.deps.events.emitAlongside([event], written);
      return { updated };
    }
    return { updated, line: await this.postLine(updated, line, event, written) };
  }

  /** The checked status change as a database update and the document it makes (merged in memory). */
  private planTransition(
    conversation: Conversation,
    action: TransitionAction,
    change: TransitionChange,
  ): { update: Record<string, unknown>; updated: Conversation } {
    const check = canTransition(conversation.status, action);
    if (!check.ok) throw new AppError('conflict', check.reason, { status: conversation.status, action });
    const set = {
      ...activityOf(conversation),
      ...change.set,
      status: check.to,
      updatedAt: this.now(),
      version: conversation.version + 1,
    };
    const update: Record<string, unknown> = { $set: set };
    if (change.unset?.length) update.$unset = Object.fromEntries(change.unset.map((k) => [k, '']));
    const merged: Record<string, unknown> = { ...conversation, ...set };
    for (const field of change.unset ?? []) delete merged[field];
    return { update, updated: merged as unknown as Conversation };
  }

  /**
   * A plain field update (no status change). The result is merged in memory rather than read back: every
   * write to a thread happens under its lock, so nothing else changed it meanwhile.
   */
  private async update(conversation: Conversation, set: Record<string, unknown>): Promise<Conversation> {
    const updatedAt = this.now();
    const next = { ...conversation, ...set, updatedAt } as Conversation;
    await this.writeDocument(
      conversation,
      { $set: { ...activityOf(conversation), ...set, updatedAt } },
      next,
    );
    return next;
  }

  /**
   * Per-message activity times of a thread the bot handles, kept in Redis instead of a document update:
   * FerretDB scans the whole collection for every update, and two per exchange were most of its work.
   * Reads overlay them ({@link withActivity}); every later write of the document carries them (a handoff
   * at the latest). Once people handle the thread, each message updates the document again.
   */
  private async touch(
    conversation: Conversation,
    times: { lastMessageAt: Date; lastLearnerMessageAt?: Date },
  ): Promise<Conversation> {
    const updatedAt = this.now();
    try {
      await this.cache.setActivity(String(conversation._id), { ...times, updatedAt });
    } catch {
      return this.update(conversation, times);
    }
    return { ...conversation, ...times, updatedAt };
  }

  /** The thread with the activity times kept in Redis where they are newer than the document's. */
  private async withActivity(conversation: Conversation): Promise<Conversation> {
    return withActivityTimes(conversation, await this.cache.activity(String(conversation._id)));
  }

  private transitionPayload(
    before: Conversation,
    after: Conversation,
    action: TransitionAction,
    note?: string,
  ) {
    return {
      from: before.status,
      to: after.status,
      action,
      version: after.version,
      ...(note ? { note: note.slice(0, 500) } : {}),
    };
  }

  private async postStaffMessage(
    conversation: Conversation,
    input: ActorInput & { clientId: string; text: string },
    kind: 'message' | 'note',
  ): Promise<MessageView> {
    if (!CLIENT_ID.test(input.clientId))
      throw new AppError('bad_request', 'clientId must be 1–100 letters, digits or _.:-');
    const text = input.text.trim();
    if (!text) throw new AppError('bad_request', 'Please write a message first.');
    if (text.length > 10_000)
      throw new AppError('unprocessable', 'That message is too long (the limit is 10000 characters).');
    const authorId = objectId(input.actor.userId, 'User');
    // A retry with the same client id is caught by the unique index (a lookup first would read the
    // whole collection on FerretDB).
    let message: Message;
    const actor = this.eventActor(input.actor);
    try {
      message = await this.postMessage(
        conversation,
        {
          author: 'admin',
          authorId,
          authorName: input.actor.name,
          kind,
          text,
          clientId: input.clientId,
          internal: kind === 'note',
          createdAt: this.now(),
        },
        (view) => [
          kind === 'note'
            ? this.eventOf(conversation, 'note.added', actor, { message: view })
            : this.eventOf(conversation, 'message.posted', actor, { message: view }),
        ],
      );
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const first = await MessageModel.findOne({
        tenantId: conversation.tenantId,
        conversationId: conversation._id,
        clientId: input.clientId,
      }).lean<Message>();
      if (!first) throw error;
      return toMessageView(first);
    }
    if (kind === 'message') {
      const lastMessageAt = message.createdAt;
      await this.writeDocument(
        conversation,
        { $set: { ...activityOf(conversation), lastMessageAt } },
        { ...conversation, lastMessageAt },
      );
    }
    return toMessageView(message);
  }

  /**
   * A bot or system line (announcement, status line), idempotent by its deterministic client id. `cause`
   * is the event the line reports (a claim, a handoff): stored with the line and its own event in one
   * go, and published just before them.
   */
  private async postLine(
    conversation: Conversation,
    line: SystemLine,
    cause?: NewEvent<EventName>,
    alongside?: Promise<unknown>,
  ): Promise<MessageView> {
    const { author, text, clientId, kind = 'message' } = line;
    try {
      const message = await this.postMessage(
        conversation,
        { author, kind, text, clientId, createdAt: this.now() },
        (view) => [
          ...(cause ? [cause] : []),
          this.eventOf(
            conversation,
            'message.posted',
            { role: author === 'bot' ? 'bot' : 'system' },
            {
              message: view,
            },
          ),
        ],
        alongside,
      );
      return toMessageView(message);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // The line exists (a retried step): its cause still has to be told.
      if (cause) await this.deps.events.emit(cause);
      const first = await MessageModel.findOne({
        tenantId: conversation.tenantId,
        conversationId: conversation._id,
        clientId,
      }).lean<Message>();
      if (!first) throw error;
      return toMessageView(first);
    }
  }

  /**
   * Runs `work` while holding the conversation's lock (FerretDB does not make concurrent updates atomic).
   * The thread's Redis copy is taken out in the lock's own round trip: it serves the first load, and the
   * first write needs no round trip of its own to drop it. Work that writes nothing puts it back.
   */
  private locked<T>(conversationId: string, work: () => Promise<T>): Promise<T> {
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

  /** The conversation an admin acts on as its owner (or as a lead): staff only, owner only. */
  private async loadOwned(
    input: ActorInput & { conversationId: string; asLead?: boolean },
  ): Promise<Conversation> {
    this.assertStaff(input.actor);
    const conversation = await this.load(input.tenantId, input.conversationId);
    this.assertOwner(conversation, input.actor, input.asLead);
    return conversation;
  }

  /**
   * Stores a message and the events that tell of it side by side (one wait, not two); the events go out
   * only once both are stored (see {@link EventBus.emitAlongside}). A duplicate client id throws the
   * database's duplicate-key error, and nothing is published.
   */
  private async postMessage(
    conversation: Conversation,
    fields: Omit<Partial<Message>, '_id' | 'tenantId' | 'conversationId'> &
      Pick<Message, 'author' | 'text' | 'clientId' | 'createdAt'>,
    events: (view: MessageView) => NewEvent<EventName>[],
    alongside?: Promise<unknown>,
  ): Promise<Message> {
    const message = plainMessage(conversation, fields) ?? (await this.validatedMessage(conversation, fields));
    const view = toMessageView(message);
    // Concurrent messages (many learners at once) go to the database together.
    const inserted = this.messageInserts.insert(message);
    const stored = alongside ? this.storedWith(inserted, alongside, message) : inserted;
    // The cached list gets the message beside the event log (one round trip), before anyone hears of it.
    await this.deps.events.emitAlongside(events(view), stored, () => this.cache.append(view));
    return message;
  }

  /**
   * A message stored side by side with the write it belongs to: should that write fail, the message is
   * taken back (nobody has seen it) and the write's error thrown.
   */
  private async storedWith(inserted: Promise<void>, alongside: Promise<unknown>, message: Message) {
    const [own, other] = await Promise.allSettled([inserted, alongside]);
    if (other.status === 'rejected') {
      if (own.status === 'fulfilled')
        await MessageModel.collection.deleteOne({ _id: message._id }).catch(() => undefined);
      throw other.reason;
    }
    if (own.status === 'rejected') throw own.reason;
  }

  /** A message built and checked by its mongoose schema (the path for anything {@link plainMessage} declines). */
  private async validatedMessage(
    conversation: Conversation,
    fields: Omit<Partial<Message>, '_id' | 'tenantId' | 'conversationId'> &
      Pick<Message, 'author' | 'text' | 'clientId' | 'createdAt'>,
  ): Promise<Message> {
    const created = new MessageModel({
      citations: [],
      internal: false,
      kind: 'message',
      ...fields,
      tenantId: conversation.tenantId,
      conversationId: conversation._id,
    });
    await created.validate();
    return created.toObject() as Message;
  }

  private async emit<N extends EventName>(
    conversation: Conversation,
    name: N,
    actor: EventActor,
    payload: EventPayloads[N],
  ) {
    await this.deps.events.emit(this.eventOf(conversation, name, actor, payload));
  }

  private eventOf<N extends EventName>(
    conversation: Conversation,
    name: N,
    actor: EventActor,
    payload: EventPayloads[N],
  ): NewEvent<N> {
    return {
      tenantId: String(conversation.tenantId),
      name,
      conversationId: String(conversation._id),
      courseId: conversation.courseId ? String(conversation.courseId) : undefined,
      userId: String(conversation.user.userId),
      actor,
      payload,
    };
  }

  private eventActor(actor: Actor): EventActor {
    return { userId: actor.userId, role: actor.role, ...(actor.name ? { name: actor.name } : {}) };
  }

  private assigneeOf(conversation: Conversation): AssigneeRef | undefined {
    return conversation.assigneeId
      ? { userId: String(conversation.assigneeId), name: conversation.assigneeName }
      : undefined;
  }

  private assertStaff(actor: Actor) {
    // Course scoping for instructors (their course's threads only) is the inbox policy's job.
    if (actor.role === 'learner') throw new AppError('forbidden', 'Only staff can do this.');
  }

  private assertOwner(conversation: Conversation, actor: Actor, asLead?: boolean) {
    if (conversation.status !== 'assigned') {
      const check = canTransition(conversation.status, 'resolve');
      throw new AppError('conflict', check.ok ? 'This conversation is not owned by anyone.' : check.reason);
    }
    if (!asLead && String(conversation.assigneeId) !== actor.userId)
      throw new AppError(
        'forbidden',
        `${conversation.assigneeName ?? 'Another admin'} owns this conversation.`,
      );
  }

  private validateText(raw: string, settings: HandoffSettings, locale: string): string {
    const text = typeof raw === 'string' ? raw.trim() : '';
    if (!text) throw new AppError('bad_request', handoffText('empty', locale));
    if (text.length > settings.maxMessageLength)
      throw new AppError(
        'unprocessable',
        handoffText('tooLong', locale, { max: settings.maxMessageLength }),
        {
          maxLength: settings.maxMessageLength,
        },
      );
    return text;
  }

  private rateKey(tenantId: string, userId: string) {
    return `${this.deps.prefix}:rate:messages:${tenantId}:${userId}`;
  }

  private async enforceRate(rateKey: string, settings: HandoffSettings, locale: string) {
    try {
      const result = await hitRateLimit(
        this.deps.redis,
        rateKey,
        settings.messagesPerMinute,
        60,
        this.now().getTime(),
      );
      if (!result.allowed)
        throw new AppError('rate_limited', handoffText('rateLimited', locale), {
          retryAfterSeconds: result.retryAfterSeconds,
        });
    } catch (error) {
      if (error instanceof AppError) throw error;
      // Redis trouble must not silence learners: let the message through and say so in the log.
      this.deps.logger?.warn({ err: error }, 'message rate limit unavailable');
    }
  }

  private async findByClientId(tenantId: Types.ObjectId, userId: Types.ObjectId, clientId: string) {
    return MessageModel.findOne({ tenantId, authorId: userId, clientId, author: 'learner' }).lean<Message>();
  }

  private async duplicateResult(existing: Message): Promise<PostResult> {
    const found = await this.document(String(existing.conversationId));
    const conversation = found?.tenantId.equals(existing.tenantId) ? found : null;
    if (!conversation) throw new AppError('not_found', 'Conversation was not found.');
    return {
      conversation: toConversationView(conversation),
      message: toMessageView(existing),
      duplicate: true,
      botShouldAnswer: false,
      replies: [],
    };
  }

  /**
   * A thread document: the Redis copy its writers keep, else the database's (by `_id`, then offered to the
   * cache, except under the thread's lock: its holder puts the copy back when it is done).
   */
  private async document(conversationId: string, copy?: Conversation | null): Promise<Conversation | null> {
    const cached = copy === undefined ? await this.cache.doc<Conversation>(conversationId) : copy;
    if (cached) return cached;
    const stored = await ConversationModel.findById(conversationId).lean<Conversation>();
    // Not awaited: a writer's later drop goes over the same Redis connection, so it still comes after.
    if (stored && !this.held.has(conversationId)) void this.cache.offerDoc(conversationId, stored);
    return stored;
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

  /**
   * Writes a thread document under its lock, by `_id` alone, with no Redis copy left (a write that fails
   * or is cut short leaves none behind): the first write under a lock finds it taken with the lock, a
   * later one drops the copy the first put back. The new document, merged in memory, is then put back.
   * The put is not awaited: every later command of this process (the lock's release, the publish that
   * tells others) goes over the same connection behind it, and a failed put only leaves no copy.
   */
  private async writeDocument(
    conversation: Conversation,
    update: Record<string, unknown>,
    next: Conversation,
  ): Promise<void> {
    const id = String(conversation._id);
    const held = this.held.get(id);
    if (!held?.copyAbsent) await this.cache.dropDoc(id);
    if (held) {
      // From here the database may have changed, whatever the answer: the copy taken must not go back.
      held.writeAttempted = true;
      held.copyAbsent = true;
    }
    const result = await ConversationModel.updateOne({ _id: conversation._id }, update, {
      timestamps: false,
    });
    if (result.matchedCount !== 1) throw new AppError('not_found', 'Conversation was not found.');
    void this.cache.putDoc(id, next);
    if (held) held.copyAbsent = false;
  }

  /**
   * A thread of this tenant. Looked up by `_id` alone and checked here: FerretDB uses its index only for a
   * filter that is exactly `{ _id }` (adding `tenantId` made it scan the collection).
   */
  private async load(tenantId: string, conversationId: string): Promise<Conversation> {
    const tenant = objectId(tenantId, 'Tenant');
    const id = objectId(conversationId, 'Conversation');
    // The activity times are read alongside (one wait, not two); they only count for this tenant's thread.
    const [conversation, times] = await this.documentAndActivity(id.toHexString());
    if (!conversation?.tenantId.equals(tenant))
      throw new AppError('not_found', 'Conversation was not found.');
    return withActivityTimes(conversation, times);
  }

  /** A learner's own thread; anyone else's is "not found" (never "forbidden", which would confirm it exists). */
  private async loadOwn(tenantId: string, conversationId: string, userId: string): Promise<Conversation> {
    const user = objectId(userId, 'User');
    const conversation = await this.load(tenantId, conversationId);
    if (!conversation.user.userId.equals(user))
      throw new AppError('not_found', 'Conversation was not found.');
    return conversation;
  }
}

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

/** Statuses in which a thread counts as open (re-exported for inbox code). */
export { OPEN_STATUSES };
