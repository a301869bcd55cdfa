import type { Worker } from 'bullmq';
import { createJobServices } from '../jobs/job-services.js';
import { registerJobListeners } from '../jobs/listeners.js';
import { upsertSchedules } from '../jobs/schedules.js';
import { closeWorkers, startWorkers } from '../jobs/workers.js';
import { Presence } from '../live/presence.js';
import { RedisLiveBus } from '../live/redis-live-bus.js';
import { observeDomainEvents } from '../metrics/events.js';
import { observeWorkers } from '../metrics/jobs.js';
import { createRedis } from '../redis/connection.js';
import { createConversationDomain } from '../storage/conversations/create-conversation-domain.js';
import { indexWorkerEvents } from '../storage/inbox/create-inbox.js';
import { startMetrics } from './metrics.js';
import type { Runtime } from './runtime.js';
import { followSettingsChanges } from './settings-sync.js';

/**
 * Consumes every queue and makes sure recurring jobs are scheduled. On shutdown the workers stop taking
 * jobs and wait for the active ones to finish before Redis closes.
 */
export async function startWorker(runtime: Runtime): Promise<Worker[]> {
  const { config, logger, lifecycle, queues } = runtime;
  const connection = createRedis(runtime.redisUrl, 'worker', logger);
  lifecycle.onShutdown('worker redis', async () => {
    await connection.quit().catch(() => connection.disconnect());
  });
  // Settings saved by a web process reach this process's caches at once (the `settings` topic alone).
  const subscriber = createRedis(runtime.redisUrl, 'subscriber', logger);
  const live = new RedisLiveBus({
    publisher: runtime.redis,
    subscriber,
    prefix: config.REDIS_PREFIX,
    logger,
    topics: ['settings'],
  });
  await live.start();
  lifecycle.onShutdown('live bus', () => live.close());
  // SLA and notification jobs change threads and emit events (inboxes hear them live) on this bus.
  const conversations = createConversationDomain({
    redis: runtime.redis,
    prefix: config.REDIS_PREFIX,
    logger,
    // Handoffs decided here read who has an inbox open (Redis keys); a worker serves no inbox, so its
    // presence has no bus and fans nothing out.
    presence: new Presence({ redis: runtime.redis, prefix: config.REDIS_PREFIX, logger }),
    messageMaxChars: config.MESSAGE_MAX_CHARS,
  });
  followSettingsChanges(live, { handoff: conversations.config });
  registerJobListeners(conversations.bus, queues, logger);
  observeDomainEvents(conversations.bus);
  // The inbox lists follow what jobs change (SLA states, escalations), before the events are published.
  indexWorkerEvents({ conversations, redis: runtime.redis, prefix: config.REDIS_PREFIX, logger });
  const workers = startWorkers({
    connection,
    prefix: config.REDIS_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    queueConcurrency: {
      knowledge: config.KNOWLEDGE_WORKER_CONCURRENCY,
      notify: config.NOTIFY_WORKER_CONCURRENCY,
      sla: config.SLA_WORKER_CONCURRENCY,
    },
    logger,
    lockMs: config.JOB_LOCK_MS,
    // Ingestion jobs publish index changes on this process's producer connection (`services.redis`).
    services: createJobServices({ config, logger, redis: runtime.redis, queues, conversations }),
  });
  lifecycle.onShutdown('workers', () => closeWorkers(workers));
  observeWorkers(workers);
  await startMetrics(runtime);
  await upsertSchedules(queues);
  logger.info({ queues: workers.map((worker) => worker.name) }, 'workers started');
  return workers;
}
