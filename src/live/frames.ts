import type { ConversationStatus } from '../conversations/conversation.types.js';
import type { MessageView } from '../conversations/conversation.views.js';
import type { InboxItem } from '../inbox/inbox-item.js';
import type { PresencePerson } from '../inbox/presence.js';

/**
 * Every frame the two Server-Sent Events streams send, declared once: the routes build them with these
 * types and the browser scripts (`public/js`, checked by `npm run typecheck`) read them with the same
 * types, so renaming a field breaks the build on both sides.
 */
export interface SseFrame<Type extends string = string, Data = unknown> {
  /** The SSE `event:` name. */
  type: Type;
  /** The SSE `data:` line, as JSON. */
  data: Data;
}

// ------------------------------------------------------------ learner chat: /api/chat/events

/** A stored line of the learner's thread, its event sequence as the SSE id (replayed after a reconnect). */
export type ChatMessageFrame = SseFrame<'message', { message: MessageView }>;

/** The thread changed status (handed off, claimed, resolved…); also carries its event sequence. */
export type ChatConversationFrame = SseFrame<
  'conversation',
  { conversation: { id: string; status: ConversationStatus; assigneeName?: string } }
>;

/**
 * A piece of an answer being written. `streamId` is the client id the stored answer will carry, so the
 * page replaces the growing bubble with it; `index` counts the stream's tokens from 0, so a page that
 * missed some (it connected or reconnected mid-answer) knows and waits for the stored answer instead.
 */
export type TokenFrame = SseFrame<'token', { streamId: string; index: number; text: string }>;

/** The assistant started or stopped working on an answer. */
export type TypingFrame = SseFrame<'typing', { author: 'bot'; active: boolean }>;

/** No stored answer will follow this stream (a person took the thread meanwhile, or answering failed). */
export type StreamCancelledFrame = SseFrame<'stream-cancelled', { streamId: string }>;

/** Not stored, never replayed: what a page misses while disconnected is gone. */
export type ChatTransientFrame = TokenFrame | TypingFrame | StreamCancelledFrame;

export type ChatFrame = ChatMessageFrame | ChatConversationFrame | ChatTransientFrame;

// ------------------------------------------------------------ admin inbox: /api/inbox/events

/** A new line in some thread (internal notes included), its event sequence as the SSE id. */
export type InboxMessageFrame = SseFrame<'message', { message: MessageView }>;

/** A list row as it now is, after one or more events of its thread. */
export type InboxItemFrame = SseFrame<'conversation', { item: InboxItem }>;

/** Who is viewing and typing in a thread. */
export type PresenceFrame = SseFrame<
  'presence',
  { conversationId: string; viewers: PresencePerson[]; typing: PresencePerson[] }
>;

export type InboxFrame = InboxMessageFrame | InboxItemFrame | PresenceFrame;

/**
 * A frame as the browser's `onEvent(type, data)` receives it: a tuple per frame, so checking `type`
 * narrows `data`.
 */
export type FrameArguments<Frame extends SseFrame> = Frame extends SseFrame
  ? [type: Frame['type'], data: Frame['data']]
  : never;

/** Which frames each live endpoint sends. */
export interface LiveStreams {
  '/api/chat/events': ChatFrame;
  '/api/inbox/events': InboxFrame;
}
