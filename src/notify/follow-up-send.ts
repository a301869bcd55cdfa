import type { JobServices } from '../jobs/job-services.js';
import type { RenderedEmail } from './follow-up-message.js';
import { requestNotifications } from './notifier.js';
import type { QuotedReply } from './notify.types.js';

/** One learner follow-up email, ready to hand to the notifier. */
export interface FollowUpEmail {
  tenantId: string;
  conversationId: string;
  /** Idempotency key: the notifier stores one delivery per key and recipient. */
  key: string;
  to: string;
  replies: QuotedReply[];
  courseUrl?: string;
  /** The email as the learner should read it (their language, escaped HTML). */
  email: RenderedEmail;
}

/**
 * Hands a learner follow-up to the notifier: one stored delivery to the learner's address (the tenant's
 * channels are not involved), sent with retries by `notify.deliver`. The same key never sends twice.
 */
export async function sendFollowUp(services: JobServices, followUp: FollowUpEmail): Promise<string[]> {
  const outcome = await requestNotifications(
    { queues: services.queues, config: services.config, logger: services.logger },
    {
      tenantId: followUp.tenantId,
      kind: 'learner_followup',
      key: followUp.key,
      conversationId: followUp.conversationId,
      recipients: [{ type: 'email', target: followUp.to }],
      details: {
        replies: followUp.replies,
        ...(followUp.courseUrl ? { courseUrl: followUp.courseUrl } : {}),
        email: followUp.email,
      },
    },
  );
  return outcome.deliveries;
}
