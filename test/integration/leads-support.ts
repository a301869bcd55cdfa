import { once } from 'node:events';
import type { Router } from 'express';
import { devLmsEnabled, installDevLms } from '../../src/app/dev-lms.js';
import { freePort } from '../../src/app/embedded-services.js';
import { openRuntime } from '../../src/app/runtime.js';
import { createWebServices } from '../../src/app/services.js';
import { startWorker } from '../../src/app/worker.js';
import { ChatService } from '../../src/chat/chat.service.js';
import { loadConfig } from '../../src/config/env.js';
import { DEV_LMS_CLIENT_ID, DEV_LMS_DEPLOYMENT_ID } from '../../src/devlms/index.js';
import { createApp } from '../../src/http/app.js';
import type { LeadIntent } from '../../src/leads/lead-intent.js';
import { Lifecycle } from '../../src/lib/lifecycle.js';
import { LaunchStateStore } from '../../src/lti/launch-state.store.js';
import { findTenantForDeployment } from '../../src/tenants/tenant.service.js';
import { type TestApp, testEnv } from '../support/app.js';
import { quietLogger } from '../support/services.js';

/**
 * A stand-in for the lead detector while the real one is being built: clear sales words are leads. The
 * tests inject it through the chat service's constructor (the product uses `detectLeadIntent`).
 */
export function salesWordsDetector(text: string): LeadIntent {
  const signals = ['demo', 'pricing', 'trial', 'campuses', 'precios'].filter((word) =>
    new RegExp(`\\b${word}\\b`, 'i').test(text),
  );
  return signals.length ? { lead: true, score: 0.9, signals } : { lead: false, score: 0, signals: [] };
}

/**
 * The tool with its worker and the development LMS (served as http://127.0.0.1:<port>), composed as
 * `startWeb` does, except that the chat service gets `detectLead` (unless it is null).
 */
export async function startLeadsApp(
  options: {
    env?: Record<string, string>;
    /** null: the chat service exactly as the product composes it (its detector, and the chat model when configured). */
    detectLead?: ((text: string) => LeadIntent) | null;
    /** Serve the development LMS as another site (browser tests); API tests launch on the tool's own address. */
    lmsAsOtherSite?: boolean;
  } = {},
): Promise<TestApp & { lmsUrl: string; tenantId: string }> {
  const port = String(await freePort());
  const publicUrl = `http://localhost:${port}`;
  const lmsUrl = options.lmsAsOtherSite ? `http://127.0.0.1:${port}` : publicUrl;
  const config = loadConfig(
    await testEnv({
      PORT: port,
      PUBLIC_URL: publicUrl,
      ...(options.lmsAsOtherSite ? { DEV_LMS_URL: lmsUrl } : {}),
      ...options.env,
    }),
  );
  const lifecycle = new Lifecycle(quietLogger, config.SHUTDOWN_TIMEOUT_MS);
  const runtime = await openRuntime({
    config,
    logger: quietLogger,
    lifecycle,
    mongoUrl: config.MONGODB_URL!,
    redisUrl: config.REDIS_URL!,
  });
  await startWorker(runtime);
  const services = await createWebServices(runtime);
  if (options.detectLead !== null)
    services.chat = new ChatService({
      conversations: services.conversations.service,
      assistant: services.assistant,
      transient: services.transient,
      events: services.conversations.store,
      logger: quietLogger,
      leads: services.leads,
      detectLead: options.detectLead ?? salesWordsDetector,
    });
  const extraRoutes: Router[] = [];
  if (devLmsEnabled(config)) extraRoutes.push((await installDevLms(config, quietLogger)).router);
  const app = createApp({
    config,
    logger: quietLogger,
    health: { check: () => runtime.health() },
    launchStates: new LaunchStateStore(runtime.redis, config.REDIS_PREFIX),
    services,
    extraRoutes,
    queues: runtime.queues,
  });
  const server = app.listen(config.PORT, config.HOST);
  await once(server, 'listening');
  lifecycle.onShutdown('http', async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
  });
  const tenant = await findTenantForDeployment({
    issuer: `${lmsUrl}/dev/lms`,
    clientId: DEV_LMS_CLIENT_ID,
    deploymentId: DEV_LMS_DEPLOYMENT_ID,
  });
  return {
    url: config.PUBLIC_URL,
    otherSiteUrl: `http://127.0.0.1:${port}`,
    lmsUrl,
    tenantId: String(tenant?._id ?? ''),
    server,
    runtime,
    config,
    stop: () => lifecycle.shutdown('test finished'),
  };
}
