import type { AnyDomainEvent } from '../events/catalog.js';
import type { JobServices } from '../jobs/job-services.js';
import type { JobListener } from '../jobs/listeners.js';
import type { JobPayload } from '../jobs/queues.js';
import type { QueueHandlers } from '../jobs/workers.js';
import { recordMisses } from './labelled-miss.record.js';

/** The job of one triggering event: `miss-<tenant>-<seq>` (no ':' in BullMQ ids). */
export const missJobId = (tenantId: string, seq: number) => `miss-${tenantId}-${seq}`;

/**
 * The events that can make a labelled miss, as the job's payload: any handoff, or a thumbs-down (which
 * counts when the thread is already with people; before the handoff, the handoff's own job finds it).
 * Null for everything else (a thumbs-up never makes a miss).
 */
export function missJobOf(event: AnyDomainEvent): JobPayload<'review', 'recordMiss'> | null {
  if (!event.conversationId) return null;
  if (event.name === 'conversation.handed_off')
    return { tenantId: event.tenantId, conversationId: event.conversationId, trigger: 'handoff' };
  if (event.name === 'answer.rated' && event.payload.value === 'down')
    return {
      tenantId: event.tenantId,
      conversationId: event.conversationId,
      trigger: 'rating',
      messageId: event.payload.messageId,
    };
  return null;
}

/** Enqueues the miss job of a handoff or thumbs-down; reading the thread is the job's I/O, not the listener's. */
export const labelledMissListener: JobListener = async (event, queues) => {
  const data = missJobOf(event);
  if (!data) return;
  await queues.enqueue('review', 'recordMiss', data, { jobId: missJobId(event.tenantId, event.seq) });
};

/** The review queue's handlers: `knowledge.miss_recorded` goes out on the worker's conversation bus. */
export function labelledMissJobs(services: JobServices): QueueHandlers<'review'> {
  return {
    recordMiss: async (job) => recordMisses(job.data, services.conversations.bus),
  };
}
