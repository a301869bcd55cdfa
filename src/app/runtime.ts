import type { Redis } from 'ioredis';
import type { Config } from '../config/env.js';
import { connectMongo, disconnectMongo, pingMongo } from '../db/mongo.js';
import { Queues } from '../jobs/queues.js';
import type { Lifecycle } from '../lib/lifecycle.js';
import type { Logger } from '../lib/logger.js';
import { startLtijs, stopLtijs } from '../lti/ltijs.js';
import { connectRedis, pingRedis, waitForRedis } from '../redis/connection.js';

/** What every process (web or worker) shares: connections, queues and the shutdown order. */
export interface Runtime {
  config: Config;
  logger: Logger;
  lifecycle: Lifecycle;
  mongoUrl: string;
  redisUrl: string;
  /** Fail-fast connection for requests (enqueue, reads); never buffers while Redis is down. */
  redis: Redis;
  queues: Queues;
  /** MongoDB and Redis each answer a ping. */
  health(): Promise<Record<string, boolean>>;
}

/**
 * Connects to MongoDB and Redis (waiting with backoff while either is unreachable) and registers
 * their closing with the lifecycle, so shutdown closes them after whatever uses them.
 */
export async function openRuntime(options: {
  config: Config;
  logger: Logger;
  lifecycle: Lifecycle;
  mongoUrl: string;
  redisUrl: string;
}): Promise<Runtime> {
  const { config, logger, lifecycle, mongoUrl, redisUrl } = options;
  await connectMongo(mongoUrl, logger, { slowMs: config.MONGODB_SLOW_MS });
  lifecycle.onShutdown('mongodb', disconnectMongo);

  await waitForRedis(redisUrl, logger);
  const redis = await connectRedis(redisUrl, 'producer', logger);
  lifecycle.onShutdown('redis', async () => {
    await redis.quit().catch(() => redis.disconnect());
  });

  // ltijs keeps the platform registry and tool keys in the same database, on its own connection.
  await startLtijs({ encryptionKey: config.LTI_ENCRYPTION_KEY, mongoUrl });
  lifecycle.onShutdown('ltijs', stopLtijs);

  const queues = new Queues(redis, config.REDIS_PREFIX);
  lifecycle.onShutdown('queues', () => queues.close());

  return {
    config,
    logger,
    lifecycle,
    mongoUrl,
    redisUrl,
    redis,
    queues,
    async health() {
      const [mongodb, redisUp] = await Promise.all([pingMongo(), pingRedis(redis)]);
      return { mongodb, redis: redisUp };
    },
  };
}
