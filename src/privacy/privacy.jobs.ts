import type { JobServices } from '../jobs/job-services.js';
import type { QueueHandlers } from '../jobs/workers.js';
import { purgeExpiredThreads } from '../maintenance/conversation-retention.js';
import { erasePerson } from './user-data.js';

/** `privacy-erase-<tenant>-<user>`: one erasure per person, however often the admin confirms. */
export const eraseJobId = (tenantId: string, userId: string) => `privacy-erase-${tenantId}-${userId}`;

export function privacyJobs(services: JobServices): QueueHandlers<'privacy'> {
  return {
    async retention(job, { logger }) {
      const run = await purgeExpiredThreads(services.queues, {
        now: job.data.now ? new Date(job.data.now) : new Date(),
        logger,
      });
      logger.info({ tenants: run.tenants, threads: run.threads, ...run.report }, 'retention run done');
      return { tenants: run.tenants, threads: run.threads, ...run.report };
    },

    async eraseUser(job, { logger }) {
      await job.updateProgress({ step: 'erasing' });
      const report = await erasePerson(services.queues, job.data.tenantId, job.data.userId);
      logger.info({ tenantId: job.data.tenantId, ...report }, 'person erased');
      return report;
    },
  };
}
