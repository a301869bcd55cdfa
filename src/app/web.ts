import { once } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Router } from 'express';
import { createApp } from '../http/app.js';
import { EVENT_STREAM_OPENED, isEventStream } from '../http/event-stream.js';
import { RedisRateCounter } from '../http/middleware/rate-limit.js';
import { seedSampleKnowledge } from '../knowledge/index.js';
import { LaunchStateStore } from '../lti/launch-state.store.js';
import { observeDomainEvents } from '../metrics/events.js';
import { devLmsEnabled, installDevLms } from './dev-lms.js';
import { startMetrics } from './metrics.js';
import type { Runtime } from './runtime.js';
import { createWebServices } from './services.js';

/**
 * Serves HTTP. On shutdown it stops accepting connections, closes idle keep-alive sockets and lets
 * in-flight requests finish (the lifecycle bounds how long).
 */
export async function startWeb(runtime: Runtime): Promise<{ server: Server; url: string }> {
  const { config, logger, lifecycle } = runtime;
  const services = await createWebServices(runtime);
  observeDomainEvents(services.conversations.bus);
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
    health: { check: () => runtime.health(), stopping: () => lifecycle.isStopping },
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
  // Runs once the server has closed (hooks run last first): work requests left running, such as answers
  // still being written, finishes before the connections it needs close.
  lifecycle.onShutdown('work in progress', () => lifecycle.settle());
  // Responses under way, so shutdown can tell each connection to close once its response is sent.
  const open = new Set<ServerResponse>();
  let draining = false;
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    if (draining) res.shouldKeepAlive = false;
    // A page reconnecting over a connection kept alive from before shutdown: its stream ends at once too.
    res.once(EVENT_STREAM_OPENED, () => draining && res.end());
    open.add(res);
    res.once('close', () => {
      open.delete(res);
      // A connection whose response was already under way when shutdown began (a live stream, a reply
      // sent with keep-alive) is idle now: close it rather than wait for the client to.
      if (draining) setImmediate(() => server.closeIdleConnections());
    });
  });
  lifecycle.onShutdown('http', async () => {
    draining = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    for (const res of open) {
      // Live streams never finish by themselves: end them now (pages reconnect elsewhere). Other requests
      // finish, then their connection closes instead of idling in keep-alive until the process exits.
      if (isEventStream(res)) res.end();
      else res.shouldKeepAlive = false;
    }
    await closed;
  });
  await startMetrics(runtime);
  logger.info({ url, publicUrl: config.PUBLIC_URL }, 'web listening');
  return { server, url };
}
