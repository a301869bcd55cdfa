import { idString } from '../events/ids.js';
import type { Conversation } from './conversation.model.js';
import type { ConversationView, MessageView } from './conversation.views.js';
import type { Message } from './message.model.js';

/** A stored message as plain data (the only shape that leaves this module). */
export function toMessageView(message: Message): MessageView {
  return {
    id: String(message._id),
    conversationId: String(message.conversationId),
    clientId: message.clientId,
    author: message.author,
    authorId: idString(message.authorId),
    authorName: message.authorName,
    kind: message.kind,
    text: message.text,
    citations: (message.citations ?? []).map((c) => ({
      index: c.index,
      title: c.title,
      url: c.url,
      path: c.path,
      heading: c.heading,
    })),
    confidence: message.confidence,
    internal: message.internal,
    feedback: message.feedback,
    createdAt: message.createdAt.toISOString(),
  };
}

/** A stored conversation as plain data, staff view (everything an admin may see). */
export function toConversationView(c: Conversation): ConversationView {
  return {
    id: String(c._id),
    tenantId: String(c.tenantId),
    courseId: idString(c.courseId),
    user: { userId: String(c.user.userId), role: c.user.role, name: c.user.name, email: c.user.email },
    contactEmail: c.contactEmail,
    status: c.status,
    priority: c.priority,
    category: c.category,
    assigneeId: idString(c.assigneeId),
    assigneeName: c.assigneeName,
    teamId: idString(c.teamId),
    handoff: c.handoff,
    replyBy: c.replyBy?.toISOString(),
    lastMessageAt: c.lastMessageAt.toISOString(),
    lastLearnerMessageAt: c.lastLearnerMessageAt?.toISOString(),
    lowConfidenceStreak: c.lowConfidenceStreak ?? 0,
    version: c.version ?? 0,
    locale: c.locale,
    context: c.context ?? {},
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    resolvedAt: c.resolvedAt?.toISOString(),
    resolution: c.resolution,
  };
}

/** What a learner may see of their own thread: no handoff card, triage, team or internal resolution. */
export type LearnerConversationView = Pick<
  ConversationView,
  | 'id'
  | 'courseId'
  | 'status'
  | 'assigneeName'
  | 'replyBy'
  | 'lastMessageAt'
  | 'locale'
  | 'createdAt'
  | 'resolvedAt'
> & { contactEmail?: string };

/** Trims a conversation view to what its learner may see. */
export function learnerConversationView(view: ConversationView): LearnerConversationView {
  return {
    id: view.id,
    courseId: view.courseId,
    status: view.status,
    assigneeName: view.assigneeName,
    replyBy: view.replyBy,
    lastMessageAt: view.lastMessageAt,
    locale: view.locale,
    createdAt: view.createdAt,
    resolvedAt: view.resolvedAt,
    contactEmail: view.contactEmail ?? view.user.email,
  };
}
