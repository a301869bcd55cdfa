import type { Runtime } from '../../src/app/runtime.js';
import { QUEUE_NAMES } from '../../src/jobs/queues.js';
import { eventually } from './eventually.js';

/**
 * Resolves once the background work that launches, handoffs and answers caused (insights, topics, review,
 * gaps…) has run: no job waiting or running on any queue, and none delayed except timers, follow-ups and
 * topic re-clustering, which wait for their time (minutes to hours away), and the schedulers' next runs.
 * A test that measures what a tenant holds waits for this first, so a late projection cannot change it.
 */
export function queuesSettled(queues: Runtime['queues'], timeoutMs = 60_000): Promise<boolean> {
  return eventually(
    async () => {
      for (const name of QUEUE_NAMES) {
        const queue = queues.get(name);
        const counts = await queue.getJobCounts('waiting', 'active', 'prioritized');
        if ((counts.waiting ?? 0) + (counts.active ?? 0) + (counts.prioritized ?? 0)) return false;
        if (['sla', 'notify', 'topics'].includes(name)) continue;
        const delayed = await queue.getJobs(['delayed']);
        if (delayed.some((job) => job && !job.repeatJobKey)) return false;
      }
      return true;
    },
    'the queues to settle',
    timeoutMs,
  );
}
