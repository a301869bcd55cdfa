import type { JobServices } from '../jobs/job-services.js';
import type { QueueHandlers } from '../jobs/workers.js';
import { runFollowUp } from './follow-up.job.js';

/** Handlers of the `notify` queue. */
export function notifyJobs(services: JobServices): QueueHandlers<'notify'> {
  const todo = async () => {
    throw new Error('notification jobs are not built yet');
  };
  return { route: todo, deliver: todo, followUp: (job) => runFollowUp(job, services) };
}
