import type { JobServices } from '../jobs/job-services.js';
import type { QueueHandlers } from '../jobs/workers.js';
import { runDigest } from './digest.js';

/** Handlers of the `sla` queue. */
export function slaJobs(services: JobServices): QueueHandlers<'sla'> {
  const todo = async () => {
    throw new Error('SLA jobs are not built yet');
  };
  return {
    react: todo,
    fire: todo,
    escalate: todo,
    retime: todo,
    sweep: todo,
    digest: (job) => runDigest(job, services),
  };
}
