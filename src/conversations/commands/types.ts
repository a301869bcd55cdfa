import type { HandoffReason } from '../../handoff/handoff.types.js';
import type { Actor, LaunchContext, MessageCitation, Priority } from '../conversation.types.js';
import type { ConversationView, MessageView } from '../conversation.views.js';
import type { AnswerRecord } from '../message.model.js';

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

/** A person's text in a thread: a learner message, a staff reply or note. */
export interface TextInput extends ActorInput {
  conversationId: string;
  clientId: string;
  text: string;
}

/** Where a learner opens their thread from. */
export interface OpenInput extends ActorInput {
  courseId?: string;
  email?: string;
  locale?: string;
  context?: LaunchContext;
}

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
  /** True when the caller should now ask the assistant and call `recordBotAnswer`. */
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
