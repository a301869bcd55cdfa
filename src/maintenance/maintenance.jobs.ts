import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { QueueHandlers } from '../jobs/workers.js';
import { purgeExpired } from './retention.js';
import { SelfcheckModel } from './selfcheck.model.js';

/** The longest a selfcheck may hold a worker, so nobody can park a worker slot with it. */
export const MAX_SELFCHECK_HOLD_MS = 30_000;

export const maintenanceJobs: QueueHandlers<'maintenance'> = {
  async purge(job, { logger }) {
    const removed = await purgeExpired(job.data.now ? new Date(job.data.now) : new Date());
    logger.info({ removed }, 'retention purge done');
    return removed;
  },

  async selfcheck(job) {
    const hold = Math.min(Math.max(job.data.holdMs ?? 0, 0), MAX_SELFCHECK_HOLD_MS);
    if (hold) await sleep(hold);
    // Upsert keyed by checkId: a retried job leaves the same single record.
    await SelfcheckModel.updateOne(
      { checkId: job.data.checkId },
      { $set: { workerPid: process.pid, hostname: hostname(), ranAt: new Date() } },
      { upsert: true },
    );
    return { workerPid: process.pid };
  },
};
