import type { HandoffCard } from '../handoff/handoff.types.js';
import type { ProductRole } from '../users/user.model.js';
import type {
  ConversationStatus,
  LaunchContext,
  MessageAuthor,
  MessageCitation,
  MessageKind,
  Priority,
} from './conversation.types.js';

/**
 * A message as services return it and events carry it: plain data, whitelisted fields, ids as strings.
 * Text is raw user text: whoever renders it escapes it (views and the chat script do).
 */
export interface MessageView {
  id: string;
  conversationId: string;
  clientId: string;
  author: MessageAuthor;
  authorId?: string;
  authorName?: string;
  kind: MessageKind;
  text: string;
  citations: MessageCitation[];
  confidence?: number;
  internal: boolean;
  feedback?: 'up' | 'down';
  createdAt: string;
}

/** A conversation as services return it (a presenter may trim it further for learners). */
export interface ConversationView {
  id: string;
  tenantId: string;
  courseId?: string;
  user: { userId: string; role: ProductRole; name?: string; email?: string };
  /** The address the learner confirmed for follow-up, when it differs from the launch email. */
  contactEmail?: string;
  status: ConversationStatus;
  priority: Priority;
  category?: string;
  assigneeId?: string;
  assigneeName?: string;
  teamId?: string;
  handoff?: HandoffCard;
  replyBy?: string;
  lastMessageAt: string;
  lastLearnerMessageAt?: string;
  lowConfidenceStreak: number;
  version: number;
  locale: string;
  context: LaunchContext;
  createdAt: string;
  updatedAt: string;
  resolvedAt?: string;
  resolution?: string;
}
