import type { Job } from 'bullmq';
import type { JobServices } from '../jobs/job-services.js';
import type { JobPayloads } from '../jobs/queues.js';

/** Emails a learner the staff replies they have not seen (see the `notify.followUp` job). */
export async function runFollowUp(
  _job: Job<JobPayloads['notify']['followUp']>,
  _services: JobServices,
): Promise<unknown> {
  throw new Error('learner follow-up is not built yet');
}
