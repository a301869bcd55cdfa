import { once } from 'node:events';
import type { Server } from 'node:http';
import express from 'express';
import { metricsRoutes } from '../http/routes/metrics.routes.js';
import { QUEUE_NAMES } from '../jobs/queues.js';
import { watchQueueDepths } from '../metrics/queues.js';
import { enableProcessMetrics } from '../metrics/registry.js';
import type { Runtime } from './runtime.js';

const STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

let running: Promise<string> | null = null;

/**
 * Serves `/metrics` on METRICS_PORT (a listener of its own: the public port never answers it), once
 * per process: a web and a worker in one process (`npm start`) share it. Returns its URL, or null when
 * METRICS_PORT is unset. Closed on shutdown.
 */
export function startMetrics(runtime: Runtime): Promise<string | null> {
  const { config, lifecycle, logger, queues } = runtime;
  if (config.METRICS_PORT === undefined) return Promise.resolve(null);
  if (running) return running;
  enableProcessMetrics();
  const unwatch = watchQueueDepths({
    names: QUEUE_NAMES,
    counts: (name) => queues.get(name as (typeof QUEUE_NAMES)[number]).getJobCounts(...STATES),
  });
  const app = express();
  app.disable('x-powered-by');
  app.use(metricsRoutes({ token: config.METRICS_TOKEN }));
  app.use((_req, res) => res.status(404).type('text/plain').send('Only /metrics is served here.\n'));
  const server: Server = app.listen(config.METRICS_PORT, config.HOST);
  const started = once(server, 'listening').then(() => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.METRICS_PORT;
    const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}/metrics`;
    logger.info({ url, token: Boolean(config.METRICS_TOKEN) }, 'metrics listening');
    return url;
  });
  running = started;
  lifecycle.onShutdown('metrics', async () => {
    unwatch();
    running = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  });
  return started;
}
