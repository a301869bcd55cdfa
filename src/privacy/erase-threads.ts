import type { Types } from 'mongoose';
import type { Queues } from '../jobs/queues.js';
import { removeQueuedJobs } from '../storage/privacy/queued-jobs.js';
import { eraseThreadRecords, type ThreadRef, threadDeliveryIds } from '../storage/privacy/thread-records.js';
import { eraseThreadsFromRedis } from '../storage/privacy/thread-redis.js';

/** What an erasure touched: documents per collection, Redis keys or entries by kind, queued jobs. */
export interface ErasureReport {
  collections: Record<string, number>;
  redis: Record<string, number>;
  jobs: { removed: number; running: number };
}

export const emptyReport = (): ErasureReport => ({
  collections: {},
  redis: {},
  jobs: { removed: 0, running: 0 },
});

/** Adds one report's counts into another. */
export function addReport(into: ErasureReport, from: ErasureReport): ErasureReport {
  for (const [name, count] of Object.entries(from.collections))
    into.collections[name] = (into.collections[name] ?? 0) + count;
  for (const [name, count] of Object.entries(from.redis)) into.redis[name] = (into.redis[name] ?? 0) + count;
  into.jobs.removed += from.jobs.removed;
  into.jobs.running += from.jobs.running;
  return into;
}

/**
 * Erases some threads of a tenant everywhere they are kept. Order matters: queued jobs first (a timer or
 * follow-up that fires meanwhile would write again), then the database (conversations last), then Redis
 * (after the database, so a reader cannot cache again what is gone).
 */
export async function eraseThreads(
  queues: Queues,
  tenant: { _id: Types.ObjectId; timeZone?: string },
  threads: readonly ThreadRef[],
): Promise<ErasureReport> {
  const report = emptyReport();
  if (!threads.length) return report;
  const tenantId = String(tenant._id);
  const conversationIds = new Set(threads.map((thread) => String(thread.id)));
  const deliveryIds = new Set(await threadDeliveryIds(tenantId, [...conversationIds]));
  report.jobs = await removeQueuedJobs(queues, { tenantId, conversationIds, deliveryIds });
  report.collections = (await eraseThreadRecords(tenant._id, threads, tenant.timeZone)).removed;
  report.redis = await eraseThreadsFromRedis(queues.redis, queues.prefix, tenantId, threads);
  return report;
}
