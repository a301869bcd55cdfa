import type { Server } from 'node:http';
import { freePort } from '../../src/app/embedded-services.js';
import { openRuntime, type Runtime } from '../../src/app/runtime.js';
import { startWeb } from '../../src/app/web.js';
import { startWorker } from '../../src/app/worker.js';
import { type Config, loadConfig } from '../../src/config/env.js';
import { Lifecycle } from '../../src/lib/lifecycle.js';
import type { Logger } from '../../src/lib/logger.js';
import { childLogCapture } from './log-capture.js';
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
    // Child processes started with this environment (and not through runEntry) log into one shared file.
    ...childLogCapture(),
    ...overrides,
  };
}

export interface TestApp {
  /** PUBLIC_URL: http://localhost:<port>. */
  url: string;
  /** The same server as http://127.0.0.1:<port>: another site, as an LMS page framing the tool would be. */
  otherSiteUrl: string;
  server: Server;
  runtime: Runtime;
  config: Config;
  stop(): Promise<void>;
}

/** Boots the web (and optionally worker) side in this process, exactly as the entries do, on a free port. */
export async function startTestApp(
  options: { worker?: boolean; env?: Record<string, string>; logger?: Logger } = {},
): Promise<TestApp> {
  // LMS redirects follow PUBLIC_URL, so it must be the address the app really listens on.
  const port = options.env?.PORT ?? String(await freePort());
  const config = loadConfig(
    await testEnv({ PORT: port, PUBLIC_URL: `http://localhost:${port}`, ...options.env }),
  );
  const logger = options.logger ?? quietLogger;
  const lifecycle = new Lifecycle(logger, config.SHUTDOWN_TIMEOUT_MS);
  const runtime = await openRuntime({
    config,
    logger,
    lifecycle,
    mongoUrl: config.MONGODB_URL!,
    redisUrl: config.REDIS_URL!,
  });
  if (options.worker) await startWorker(runtime);
  const { server, url } = await startWeb(runtime);
  return {
    url: config.PUBLIC_URL,
    otherSiteUrl: url,
    server,
    runtime,
    config,
    stop: () => lifecycle.shutdown('test finished'),
  };
}
