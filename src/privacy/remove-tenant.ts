import type { Queues } from '../jobs/queues.js';
import { knowledgeChannel } from '../knowledge/knowledge-context.js';
import { AppError } from '../lib/errors.js';
import { slaKeys } from '../sla/timer-scheduler.js';
import { removeQueuedJobs } from '../storage/privacy/queued-jobs.js';
import { asTenantId, countOwned, deleteOwned, ownedKeyIds } from '../storage/privacy/tenant-records.js';
import { keysNaming } from '../storage/privacy/user-redis.js';
import { TenantModel } from '../tenants/tenant.model.js';
import type { ErasureReport } from './erase-threads.js';

/** What a tenant holds now: documents per collection and Redis keys naming it or its records. */
export interface TenantHoldings {
  name: string | null;
  collections: Record<string, number>;
  redisKeys: number;
}

function tenantIdOf(id: string) {
  const tenantId = asTenantId(id);
  if (!tenantId) throw new AppError('not_found', `no tenant with id ${id}`);
  return tenantId;
}

/** Counts what a tenant owns (the CLI shows it before asking for the confirmation flag). */
export async function tenantHoldings(queues: Queues, id: string): Promise<TenantHoldings> {
  const tenantId = tenantIdOf(id);
  const tenant = await TenantModel.findById(tenantId, { name: 1 }).lean();
  const keys = await keysNaming(queues.redis, queues.prefix, [id, ...(await ownedKeyIds(tenantId))]);
  return { name: tenant?.name ?? null, collections: await countOwned(tenantId), redisKeys: keys.length };
}

/**
 * Removes a tenant and everything it owns: its queued jobs (timers, follow-ups, deliveries, ingestion,
 * insights…), every document with its id in every collection (deployments first, the tenant last), its
 * Redis keys (thread documents and message lists, inbox index, event log and counters, presence, rate
 * counters, knowledge change counter and upload parts, digest marks) and its SLA timer entries, then tells
 * every process to reload the tenant's in-memory knowledge index (now empty). Deployment lookups are cached
 * for 30 s per process.
 */
export async function removeTenant(queues: Queues, id: string): Promise<ErasureReport> {
  const tenantId = tenantIdOf(id);
  const keyIds = await ownedKeyIds(tenantId);
  const deliveryIds = new Set(keyIds.filter((key) => key.startsWith('d')));
  const jobs = await removeQueuedJobs(queues, { tenantId: id, wholeTenant: true, deliveryIds });
  const collections = await deleteOwned(tenantId);

  const { redis, prefix } = queues;
  const keys = await keysNaming(redis, prefix, [id, ...keyIds]);
  let unlinked = 0;
  for (let i = 0; i < keys.length; i += 500) unlinked += await redis.unlink(...keys.slice(i, i + 500));
  // Under the `sla` queue's namespace, so not found by name above.
  unlinked += await redis.unlink(`${prefix}:sla:digest:${id}:last`);
  const sla = slaKeys(prefix);
  let timers = 0;
  const conversations = keyIds.filter((key) => !key.startsWith('d'));
  for (let i = 0; i < conversations.length; i += 500) {
    const batch = conversations.slice(i, i + 500);
    timers +=
      Number(await redis.zrem(sla.pending, ...batch)) + Number(await redis.srem(sla.active, ...batch));
  }
  // Every process holding the tenant's knowledge in memory reloads it now: from nothing (no seq: a reload).
  await redis.publish(knowledgeChannel(prefix), JSON.stringify({ tenantId: id, version: -1 }));
  return { collections, redis: { keys: unlinked, slaTimerEntries: timers }, jobs };
}
