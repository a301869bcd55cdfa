import type { Job } from 'bullmq';
import type { JobServices } from '../jobs/job-services.js';
import type { JobPayloads } from '../jobs/queues.js';

/** Sends review digests that are due (see the `sla.digest` job). */
export async function runDigest(
  _job: Job<JobPayloads['sla']['digest']>,
  _services: JobServices,
): Promise<unknown> {
  throw new Error('digests are not built yet');
}
