import { once } from 'node:events';
import type { Server } from 'node:http';
import type { Router } from 'express';
import { createApp } from '../http/app.js';
import { RedisRateCounter } from '../http/middleware/rate-limit.js';
import { seedSampleKnowledge } from '../knowledge/index.js';
import { LaunchStateStore } from '../lti/launch-state.store.js';
import { devLmsEnabled, installDevLms } from './dev-lms.js';
import type { Runtime } from './runtime.js';
import { createWebServices } from './services.js';

/**
 * Serves HTTP. On shutdown it stops accepting connections, closes idle keep-alive sockets and lets
 * in-flight requests finish (the lifecycle bounds how long).
 */
export async function startWeb(runtime: Runtime): Promise<{ server: Server; url: string }> {
  const { config, logger, lifecycle } = runtime;
  const services = await createWebServices(runtime);
  const extraRoutes: Router[] = [];
  if (devLmsEnabled(config)) {
    const devLms = await installDevLms(config, logger);
    extraRoutes.push(devLms.router);
    if (config.SEED_SAMPLE_KNOWLEDGE) {
      // In the background: queueing 178 files takes seconds and must not hold up serving.
      void seedSampleKnowledge(devLms.tenantId, services.knowledge)
        .then(
          (queued) =>
            queued && logger.info({ queued }, 'sample knowledge queued for the development LMS tenant'),
        )
        .catch((error) => logger.warn({ err: error }, 'sample knowledge could not be queued'));
    }
  }
  const app = createApp({
    config,
    logger,
    health: { check: () => runtime.health() },
    launchStates: new LaunchStateStore(runtime.redis, config.REDIS_PREFIX),
    rateCounter: new RedisRateCounter(runtime.redis, config.REDIS_PREFIX),
    services,
    extraRoutes,
    queues: runtime.queues,
  });
  const server = app.listen(config.PORT, config.HOST);
  await once(server, 'listening');
  server.keepAliveTimeout = 65_000; // longer than common proxy idle timeouts, so proxies close first
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}`;
  lifecycle.onShutdown('http', async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
  });
  logger.info({ url, publicUrl: config.PUBLIC_URL }, 'web listening');
  return { server, url };
}
