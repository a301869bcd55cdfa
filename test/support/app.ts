import type { Server } from 'node:http';
import { openRuntime, type Runtime } from '../../src/app/runtime.js';
import { startWeb } from '../../src/app/web.js';
import { startWorker } from '../../src/app/worker.js';
import { type Config, loadConfig } from '../../src/config/env.js';
import { Lifecycle } from '../../src/lib/lifecycle.js';
import { quietLogger, testServices } from './services.js';

/** The environment a test process or child process runs with: test config on this run's services. */
export async function testEnv(overrides: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
  const services = await testServices();
  return {
    ...process.env,
    NODE_ENV: 'test',
    MONGODB_URL: services.mongoUrl,
    REDIS_URL: services.redisUrl,
    REDIS_PREFIX: services.redisPrefix,
    ...overrides,
  };
}

export interface TestApp {
  url: string;
  server: Server;
  runtime: Runtime;
  config: Config;
  stop(): Promise<void>;
}

/** Boots the web (and optionally worker) side in this process, exactly as the entries do, on a free port. */
export async function startTestApp(
  options: { worker?: boolean; env?: Record<string, string> } = {},
): Promise<TestApp> {
  const config = loadConfig(await testEnv(options.env));
  const lifecycle = new Lifecycle(quietLogger, config.SHUTDOWN_TIMEOUT_MS);
  const runtime = await openRuntime({
    config,
    logger: quietLogger,
    lifecycle,
    mongoUrl: config.MONGODB_URL!,
    redisUrl: config.REDIS_URL!,
  });
  if (options.worker) await startWorker(runtime);
  const { server, url } = await startWeb(runtime);
  return { url, server, runtime, config, stop: () => lifecycle.shutdown('test finished') };
}
