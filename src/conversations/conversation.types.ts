import type { ProductRole } from '../users/user.model.js';

/**
 * Where a thread stands: `bot` (the assistant answers), `waiting` (handed off, nobody owns it yet),
 * `assigned` (one admin owns it; the bot is silent), `resolved` (closed; the learner may reopen it).
 */
export type ConversationStatus = 'bot' | 'waiting' | 'assigned' | 'resolved';
export const CONVERSATION_STATUSES: readonly ConversationStatus[] = [
  'bot',
  'waiting',
  'assigned',
  'resolved',
];

/** How soon a thread needs a person. Ordered: see {@link PRIORITY_RANK}. */
export type Priority = 'low' | 'normal' | 'high' | 'urgent';
export const PRIORITIES: readonly Priority[] = ['low', 'normal', 'high', 'urgent'];

/** Numeric rank so priorities compare and sort (higher is more urgent). */
export const PRIORITY_RANK: Record<Priority, number> = { low: 0, normal: 1, high: 2, urgent: 3 };

/** The more urgent of two priorities. */
export const maxPriority = (a: Priority, b: Priority): Priority =>
  PRIORITY_RANK[b] > PRIORITY_RANK[a] ? b : a;

/** Who wrote a message. `system` is the product itself (status lines, not the assistant). */
export type MessageAuthor = 'learner' | 'bot' | 'admin' | 'system';

/** `message`: part of the conversation; `note`: internal, staff only; `event`: a status line. */
export type MessageKind = 'message' | 'note' | 'event';

/** The person acting, as every service call receives it (from the session, never from the request body). */
export interface Actor {
  userId: string;
  role: ProductRole;
  name?: string;
}

/** A source the bot cited. */
export interface MessageCitation {
  index: number;
  title: string;
  /** A URL, or the document path inside the knowledge base. */
  url?: string;
  path?: string;
  heading?: string;
}

/** Launch details copied onto the thread so a handoff card can show them later without the launch. */
export interface LaunchContext {
  launchId?: string;
  /** LMS product family from the launch (canvas, moodle, …). */
  productFamily?: string;
  courseTitle?: string;
  courseLabel?: string;
}
