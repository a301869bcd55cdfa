import type { Job } from 'bullmq';
import { QUEUE_NAMES, type Queues } from '../../jobs/queues.js';

/** Which jobs to remove: by tenant, by thread, or by notification delivery. */
export interface JobMatch {
  tenantId: string;
  /** Remove every job of the tenant (tenant removal); else only those of these threads and deliveries. */
  wholeTenant?: boolean;
  conversationIds?: ReadonlySet<string>;
  deliveryIds?: ReadonlySet<string>;
}

/** What the queues held for the match: removed, and still running (a worker holds their lock). */
export interface JobRemoval {
  removed: number;
  running: number;
}

// Every state a job waits or rests in ('waiting' includes a paused queue's); `active` jobs are locked by a worker and are counted, not removed.
const STATES = ['waiting', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;
const PAGE = 500;

/** Whether a job carries the ids a removal is after (exported for its unit test). */
export function jobMatches(job: Pick<Job, 'data'>, match: JobMatch): boolean {
  const data = (job.data ?? {}) as { tenantId?: string; conversationId?: string; deliveryId?: string };
  if (data.deliveryId && match.deliveryIds?.has(data.deliveryId)) return true;
  if (data.tenantId !== match.tenantId) return false;
  if (match.wholeTenant) return true;
  return Boolean(data.conversationId && match.conversationIds?.has(data.conversationId));
}

/**
 * Removes the queued jobs that carry a tenant's (or some threads') ids from every queue: delayed SLA timers
 * and escalations, follow-up emails, notification deliveries, insight, topic and review jobs, and the
 * finished jobs BullMQ keeps for a while (their ids name threads and tenants). Reads every job of every
 * queue page by page: an admin action or background job, not a hot path.
 */
export async function removeQueuedJobs(queues: Queues, match: JobMatch): Promise<JobRemoval> {
  let removed = 0;
  let running = 0;
  for (const name of QUEUE_NAMES) {
    const queue = queues.get(name);
    for (const state of STATES) {
      for (let start = 0; ; start += PAGE) {
        const jobs = (await queue.getJobs([state], start, start + PAGE - 1, true)).filter(Boolean);
        if (!jobs.length) break;
        let gone = 0;
        for (const job of jobs) {
          if (!jobMatches(job, match)) continue;
          try {
            await job.remove();
            removed++;
            gone++;
          } catch {
            running++; // became active meanwhile: its lock belongs to a worker
          }
        }
        // Removing shifts the later jobs into this page: read it again from the same place.
        if (gone) start -= gone;
        if (jobs.length < PAGE) break;
      }
    }
    for (const job of (await queue.getJobs(['active'])).filter(Boolean))
      if (jobMatches(job, match)) running++;
  }
  return { removed, running };
}
