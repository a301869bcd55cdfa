import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { WebServices } from '../app/services.js';
import type { Config } from '../config/env.js';
import type { Queues } from '../jobs/queues.js';
import type { Logger } from '../lib/logger.js';
import type { LaunchStateStore } from '../lti/launch-state.store.js';
import { errorHandler, notFoundHandler } from './middleware/errors.js';
import { httpMetrics } from './middleware/metrics.js';
import { type RateCounter, rateLimit, rateRules } from './middleware/rate-limit.js';
import { chatRoutes } from './routes/chat.routes.js';
import { type HealthProbe, healthRoutes } from './routes/health.routes.js';
import { inboxRoutes } from './routes/inbox.routes.js';
import { insightsRoutes } from './routes/insights.routes.js';
import { insightsGapsRoutes } from './routes/insights-gaps.routes.js';
import { knowledgeRoutes } from './routes/knowledge.routes.js';
import { leadsRoutes } from './routes/leads.routes.js';
import { ltiRefusalPages, ltiRoutes } from './routes/lti.routes.js';
import { notifyRoutes } from './routes/notify.routes.js';
import { pageRoutes } from './routes/pages.routes.js';
import { privacyRoutes } from './routes/privacy.routes.js';
import { settingsRoutes } from './routes/settings.routes.js';
import { slaSettingsRoutes } from './routes/sla-settings.routes.js';

export const PUBLIC_DIR = path.resolve(import.meta.dirname, '../../public');
/** Chart.js's browser build, served from our own origin (no CDN) for the Insights charts. */
const CHART_JS = path.join(
  path.dirname(createRequire(import.meta.url).resolve('chart.js')),
  'chart.umd.min.js',
);
export const VIEWS_DIR = path.resolve(import.meta.dirname, '../../views');

export interface WebDependencies {
  config: Config;
  logger: Logger;
  health: HealthProbe;
  /** Domain services (knowledge, assistant, conversations…). */
  services: WebServices;
  /** Where OIDC logins in progress live (Redis, shared by every web process). */
  launchStates: LaunchStateStore;
  /** Routers mounted only in some environments (the development LMS). */
  extraRoutes?: Router[];
  /** The job queues (settings saves queue work such as re-timing SLA clocks). */
  queues?: Queues;
  /** Where rate-limit counters live (Redis, shared by every web process); without one, no limits apply. */
  rateCounter?: RateCounter;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Splits FRAME_ANCESTORS ("https://a.edu https://b.edu" or "*") into CSP sources. */
export function frameAncestors(value: string): string[] {
  return value
    .split(/[\s,]+/)
    .map((source) => source.trim())
    .filter(Boolean);
}

/** The express application: security headers that let LMSs frame us, logging, JSON errors. */
export function createApp(deps: WebDependencies): Express {
  const { config, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('views', VIEWS_DIR);
  app.set('view engine', 'ejs');
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  if (config.METRICS_PORT !== undefined) app.use(httpMetrics());

  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      serializers: {
        // URLs may carry an LTI session token (?ltik=...) on the first page load.
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url.replace(/([?&](?:ltik|token)=)[^&]*/gi, '$1[redacted]'),
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );

  app.use(
    helmet({
      // LMS pages embed us in an iframe: CSP frame-ancestors decides who may, X-Frame-Options must not say DENY.
      frameguard: false,
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:', 'https:'],
          connectSrc: ["'self'"],
          frameAncestors: frameAncestors(config.FRAME_ANCESTORS),
          // LTI returns (deep linking, launch forms) post forms to the platform's own URLs.
          formAction: null,
          upgradeInsecureRequests: null,
        },
      },
      // The platform-storage launch and the "open in a new window" fallback talk to the opener across origins.
      crossOriginOpenerPolicy: false,
    }),
  );

  app.use(express.json({ limit: config.BODY_LIMIT }));
  app.use(express.urlencoded({ extended: false, limit: config.BODY_LIMIT }));
  app.use(healthRoutes(deps.health));
  if (deps.rateCounter) {
    const rules = rateRules(config);
    app.use(['/lti/login', '/lti/launch'], rateLimit(rules.launch, deps.rateCounter, logger));
    app.use('/api', rateLimit(rules.api, deps.rateCounter, logger));
    app.post('/api/chat/messages', rateLimit(rules.chat, deps.rateCounter, logger));
  }
  app.use('/public', express.static(PUBLIC_DIR, { maxAge: config.NODE_ENV === 'production' ? '1h' : 0 }));
  app.get('/vendor/chart.umd.min.js', (_req, res) =>
    res.sendFile(CHART_JS, { maxAge: config.NODE_ENV === 'production' ? '1d' : 0 }),
  );
  app.use(ltiRoutes(config, deps.launchStates));
  app.use(pageRoutes(config, { limits: deps.services.conversations.config }));
  app.use(
    chatRoutes({
      secret: config.LTI_ENCRYPTION_KEY,
      chat: deps.services.chat,
      hub: deps.services.hub,
      transient: deps.services.transient,
      presence: deps.services.learnerPresence,
    }),
  );
  app.use(knowledgeRoutes({ config, knowledge: deps.services.knowledge }));
  app.use(
    inboxRoutes({
      secret: config.LTI_ENCRYPTION_KEY,
      inbox: deps.services.inbox,
      hub: deps.services.hub,
      messageMaxChars: config.MESSAGE_MAX_CHARS,
    }),
  );
  app.use(settingsRoutes({ config, handoff: deps.services.conversations.config, bus: deps.services.live }));
  app.use(
    slaSettingsRoutes({
      config,
      inbox: deps.services.inbox.service,
      queues: deps.queues,
      bus: deps.services.live,
      logger,
    }),
  );
  app.use(notifyRoutes({ config, inbox: deps.services.inbox.service, queues: deps.queues }));
  app.use(insightsRoutes({ config }));
  app.use(insightsGapsRoutes({ config, services: deps.services }));
  app.use(leadsRoutes({ config, chat: deps.services.chat, leads: deps.services.leads }));
  app.use(privacyRoutes({ config, queues: deps.queues }));
  for (const router of deps.extraRoutes ?? []) app.use(router);

  app.use(notFoundHandler);
  app.use(ltiRefusalPages);
  app.use(errorHandler);
  return app;
}
