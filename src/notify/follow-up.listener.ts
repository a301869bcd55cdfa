import type { AnyDomainEvent } from '../events/catalog.js';
import type { JobListener } from '../jobs/listeners.js';

/** The follow-up job of one staff reply: `followup-<conversation>-<message>` (no ':' in BullMQ ids). */
export const followUpJobId = (conversationId: string, messageId: string) =>
  `followup-${conversationId}-${messageId}`;

/** A staff reply the learner reads in their chat: an admin's message, never an internal note or status line. */
export function isStaffReply(event: AnyDomainEvent): boolean {
  if (event.name !== 'message.posted' || !event.conversationId) return false;
  const { message } = event.payload;
  return message.author === 'admin' && message.kind === 'message' && !message.internal;
}

/**
 * Schedules a learner follow-up for each staff reply. The job itself waits out the grace period
 * (FOLLOW_UP_GRACE_SECONDS, read by the worker) counted from the oldest reply not yet dealt with, and
 * sends every such reply in one email: replies within the window share one email however many jobs run.
 * The id is derived from the reply, so a re-emitted event never schedules twice.
 */
export const followUpListener: JobListener = async (event, queues) => {
  if (!isStaffReply(event) || event.name !== 'message.posted' || !event.conversationId) return;
  await queues.enqueue(
    'notify',
    'followUp',
    { tenantId: event.tenantId, conversationId: event.conversationId },
    { jobId: followUpJobId(event.conversationId, event.payload.message.id) },
  );
};
