import type { Queues } from '../jobs/queues.js';
import type { Logger } from '../lib/logger.js';
import { addReport, type ErasureReport, emptyReport, eraseThreads } from '../privacy/erase-threads.js';
import { threadBatches } from '../storage/privacy/thread-records.js';
import { TenantModel } from '../tenants/tenant.model.js';

const DAY_MS = 86_400_000;

/**
 * The threads retention may delete: finished ones (resolved, or answered by the bot alone and never handed
 * off: nobody owes them a reply) whose last activity (last message and last change) is before the cutoff.
 * Threads waiting for a person or assigned to one are kept until they are resolved: deleting them would drop
 * a question someone still has to answer.
 */
export function expiredThreadFilter(cutoff: Date): Record<string, unknown> {
  return {
    status: { $in: ['resolved', 'bot'] },
    lastMessageAt: { $lt: cutoff },
    updatedAt: { $lt: cutoff },
  };
}

export interface RetentionRun {
  tenants: number;
  threads: number;
  report: ErasureReport;
}

/**
 * Deletes, for every tenant with retention days set, its threads past them and everything kept about them
 * (see eraseThreads), in batches. Idempotent: a run cut short leaves the rest to the next run, which finds
 * them by the same filter. Tenants without retention days keep everything.
 */
export async function purgeExpiredThreads(
  queues: Queues,
  options: { now?: Date; batchSize?: number; tenantId?: string; logger?: Logger } = {},
): Promise<RetentionRun> {
  const now = options.now ?? new Date();
  const run: RetentionRun = { tenants: 0, threads: 0, report: emptyReport() };
  const tenants = await TenantModel.find(
    { retentionDays: { $gte: 1 }, ...(options.tenantId ? { _id: options.tenantId } : {}) },
    { _id: 1, timeZone: 1, retentionDays: 1 },
  ).lean();
  for (const tenant of tenants) {
    const days = tenant.retentionDays;
    if (!days) continue;
    run.tenants++;
    const cutoff = new Date(now.getTime() - days * DAY_MS);
    let threads = 0;
    for await (const batch of threadBatches(
      tenant._id,
      expiredThreadFilter(cutoff),
      options.batchSize ?? 100,
    )) {
      addReport(run.report, await eraseThreads(queues, tenant, batch));
      threads += batch.length;
    }
    run.threads += threads;
    if (threads)
      options.logger?.info({ tenantId: String(tenant._id), days, threads }, 'expired threads deleted');
  }
  return run;
}
