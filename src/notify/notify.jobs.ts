import type { JobServices } from '../jobs/job-services.js';
import type { QueueHandlers } from '../jobs/workers.js';
import { runDeliver } from './deliver.js';
import { runFollowUp } from './follow-up.job.js';
import { runRoute } from './route.js';

/** Handlers of the `notify` queue. */
export function notifyJobs(services: JobServices): QueueHandlers<'notify'> {
  const deps = { queues: services.queues, config: services.config, logger: services.logger };
  return {
    route: (job) => runRoute(job, { ...deps, store: services.conversations.store }),
    deliver: (job) => runDeliver(job, { ...deps, redis: services.redis }),
    followUp: (job) => runFollowUp(job, services),
  };
}
