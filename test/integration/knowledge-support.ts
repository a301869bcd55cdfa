import { setTimeout as sleep } from 'node:timers/promises';
import type { Worker } from 'bullmq';
import { Types } from 'mongoose';
import { openRuntime, type Runtime } from '../../src/app/runtime.js';
import { type Config, loadConfig } from '../../src/config/env.js';
import { closeWorkers, startWorkers } from '../../src/jobs/workers.js';
import { KnowledgeService, type SourceView } from '../../src/knowledge/index.js';
import { Lifecycle } from '../../src/lib/lifecycle.js';
import { createRedis } from '../../src/redis/connection.js';
import { testEnv } from '../support/app.js';
import { quietLogger } from '../support/services.js';

/** A worker process and a web process's knowledge service, in this process, on the run's services. */
export interface KnowledgeHarness {
  runtime: Runtime;
  config: Config;
  service: KnowledgeService;
  stop(): Promise<void>;
}

export async function startKnowledgeHarness(env: Record<string, string> = {}): Promise<KnowledgeHarness> {
  const config = loadConfig(await testEnv(env));
  const lifecycle = new Lifecycle(quietLogger, config.SHUTDOWN_TIMEOUT_MS);
  const runtime = await openRuntime({
    config,
    logger: quietLogger,
    lifecycle,
    mongoUrl: config.MONGODB_URL!,
    redisUrl: config.REDIS_URL!,
  });
  const connection = createRedis(runtime.redisUrl, 'worker', quietLogger);
  const workers: Worker[] = startWorkers({
    connection,
    prefix: config.REDIS_PREFIX,
    concurrency: 2,
    queues: ['maintenance', 'knowledge'],
    queueConcurrency: { knowledge: config.KNOWLEDGE_WORKER_CONCURRENCY },
    logger: quietLogger,
    knowledge: { config, redis: runtime.redis, logger: quietLogger },
  });
  lifecycle.onShutdown('worker redis', async () => {
    await connection.quit().catch(() => connection.disconnect());
  });
  lifecycle.onShutdown('workers', () => closeWorkers(workers));
  const service = new KnowledgeService({
    queues: runtime.queues,
    config,
    redis: runtime.redis,
    logger: quietLogger,
  });
  return { runtime, config, service, stop: () => lifecycle.shutdown('test finished') };
}

/** A fresh tenant id: every test gets its own knowledge base. */
export const newTenantId = () => new Types.ObjectId().toHexString();

/** Waits until a source's latest upload is ready or failed. */
export async function settled(
  service: KnowledgeService,
  tenantId: string,
  sourceId: string,
  timeoutMs = 15_000,
): Promise<SourceView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const source = await service.getSource(tenantId, sourceId);
    if (source && (source.status === 'ready' || source.status === 'failed')) return source;
    if (Date.now() > deadline)
      throw new Error(`source ${sourceId} did not settle: ${JSON.stringify(source)}`);
    await sleep(50);
  }
}

/** Polls until `predicate` holds. */
export async function eventually(predicate: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return true;
    await sleep(50);
  }
  return false;
}
