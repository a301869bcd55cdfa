import type { Redis } from 'ioredis';
import type { EventStore } from '../events/event-store.js';
import type { JobServices } from '../jobs/job-services.js';
import type { JobListener } from '../jobs/listeners.js';
import type { QueueHandlers } from '../jobs/workers.js';
import { withJobLock } from '../redis/job-lock.js';
import { loadStoredSlaSettings } from '../storage/sla/stored-sla-settings.js';
import { TenantModel } from '../tenants/tenant.model.js';
import { projectTenant } from './insights-projector.js';

/**
 * Events are folded in windows: every event of a tenant in the same 10 s shares one job, which runs just
 * after the window closes (so every event of the window is stored by then). Deterministic id:
 * `insights-<tenant>-<window>`.
 */
export const PROJECT_WINDOW_MS = 10_000;

export function projectJobOf(tenantId: string, now: number): { jobId: string; delay: number } {
  const window = Math.floor(now / PROJECT_WINDOW_MS);
  return { jobId: `insights-${tenantId}-${window}`, delay: (window + 1) * PROJECT_WINDOW_MS - now + 500 };
}

/**
 * The job id this process last enqueued per tenant. Every chat message emits events; a busy tenant's
 * window needs one enqueue, not one Redis round trip per event (the id would drop the copies anyway).
 */
const lastEnqueued = new Map<string, string>();

/** Every thread event is folded into the insight days (the job does the reading). */
export const insightsListener: JobListener = async (event, queues) => {
  if (!event.conversationId) return;
  const { jobId, delay } = projectJobOf(event.tenantId, Date.now());
  if (lastEnqueued.get(event.tenantId) === jobId) return;
  await queues.enqueue('insights', 'project', { tenantId: event.tenantId }, { jobId, delay });
  // Only once it is in Redis: a failed enqueue is tried again by the window's next event.
  lastEnqueued.set(event.tenantId, jobId);
};

/** How long one projector may hold a tenant (renewed never: a run takes seconds; a crash frees it). */
const LOCK_MS = 120_000;

export interface DashboardJobDeps {
  redis: Redis;
  events: Pick<EventStore, 'listSince'>;
}

/**
 * Folds a tenant's new events, one projector per tenant at a time: a second one finds the lock taken and
 * fails, so BullMQ retries it after the first is done (it then reads what the first did not).
 */
export async function runProjector(tenantId: string, deps: DashboardJobDeps): Promise<number> {
  return withJobLock(
    deps.redis,
    `insights-lock:${tenantId}`,
    { holdMs: LOCK_MS, busy: 'Another projector is folding this tenant; retrying.' },
    () =>
      projectTenant(tenantId, {
        events: deps.events,
        timeZone: async (id) => (await loadStoredSlaSettings(id)).settings.timeZone,
      }),
  );
}

/** Every tenant, for the sweep that catches windows whose job could not be enqueued (Redis was down). */
export async function allTenantIds(): Promise<string[]> {
  const tenants = await TenantModel.find({}, { _id: 1 }).lean();
  return tenants.map((t) => String(t._id));
}

/** The insights queue's handlers. */
export function dashboardJobs(services: JobServices): QueueHandlers<'insights'> {
  return {
    project: async (job) =>
      runProjector(job.data.tenantId, { redis: services.redis, events: services.conversations.store }),
    sweep: async () => {
      const now = Date.now();
      for (const tenantId of await allTenantIds()) {
        const { jobId, delay } = projectJobOf(tenantId, now);
        await services.queues.enqueue('insights', 'project', { tenantId }, { jobId, delay });
      }
    },
  };
}
