import { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../config/env.js';
import type { InboxService } from '../../inbox/inbox.service.js';
import type { Queues } from '../../jobs/queues.js';
import { AppError } from '../../lib/errors.js';
import {
  CHANNEL_KINDS,
  channelsInputSchema,
  NotifySettingsService,
} from '../../notify/notify-settings.service.js';
import { consumeThreadLink, inspectThreadLink, sessionForLink } from '../../notify/thread-link.js';
import { requireLead } from '../middleware/lead.js';
import { requireSession } from '../middleware/session.js';
import { KIND_LABELS, presentChannel, presentDeadLetter } from '../presenters/notify.presenter.js';
import { parseInput } from '../validate.js';
import { pageContext } from './pages.routes.js';

/** A body that is wrong as a whole (not an object, unknown keys) gets this page's general refusal. */
const parse = <T extends z.ZodType>(schema: T, input: unknown) =>
  parseInput(schema, input, 'The request was not valid.');

export interface NotifyRouteDeps {
  config: Config;
  inbox: Pick<InboxService, 'context'>;
  /** Retrying dead letters enqueues deliveries. */
  queues?: Queues;
  /** Tests pass their own (e.g. with a host resolver); default: one built from `config` and `queues`. */
  settings?: NotifySettingsService;
}

/** The kinds a channel can send, with their labels (the page and the API list the same). */
const KIND_OPTIONS = CHANNEL_KINDS.map((kind) => ({ kind, label: KIND_LABELS[kind] ?? kind }));

const testBody = z.object({ channelId: z.string().min(1).max(64) }).strict();
const deliveryParam = z.object({ id: z.string().regex(/^d[0-9a-f]{32}$/) });
const conversationParam = z.object({ id: z.string().regex(/^[0-9a-fA-F]{24}$/) });

/** Who is told what, through which channels: Settings → Notifications (inbox leads only), and thread links. */
export function notifyRoutes({ config, inbox, queues, ...deps }: NotifyRouteDeps): Router {
  const router = Router();
  const settings = deps.settings ?? new NotifySettingsService({ queues, config });
  const admin = requireSession(config.LTI_ENCRYPTION_KEY, ['admin']);
  const lead = requireLead(inbox, { notLead: 'Only inbox leads can change notifications.' });

  router.get('/settings/notifications', admin, lead, async (_req, res) => {
    res.render('settings-notifications', {
      ...(await pageContext(res.locals.session)),
      lang: 'en',
      kinds: KIND_OPTIONS,
    });
  });

  router.get('/api/settings/notifications', admin, lead, async (_req, res) => {
    const channels = await settings.channels(res.locals.session.tenantId);
    res.json({
      data: {
        channels: channels.map(presentChannel),
        kinds: KIND_OPTIONS,
      },
    });
  });

  router.put('/api/settings/notifications', admin, lead, async (req, res) => {
    const input = parse(channelsInputSchema, req.body ?? {});
    const saved = await settings.saveChannels(res.locals.session.tenantId, input);
    res.json({ data: { channels: saved.channels.map(presentChannel), secrets: saved.secrets } });
  });

  router.post('/api/settings/notifications/test', admin, lead, async (req, res) => {
    const { channelId } = parse(testBody, req.body ?? {});
    res.json({ data: await settings.sendTest(res.locals.session.tenantId, channelId) });
  });

  router.get('/api/settings/notifications/dead-letters', admin, lead, async (_req, res) => {
    const letters = await settings.deadLetters(res.locals.session.tenantId);
    res.json({ data: letters.map(presentDeadLetter) });
  });

  router.post('/api/settings/notifications/dead-letters/:id/retry', admin, lead, async (req, res) => {
    const parsed = deliveryParam.safeParse(req.params);
    if (!parsed.success) throw new AppError('not_found', 'That dead letter was not found.');
    await settings.retry(res.locals.session.tenantId, parsed.data.id);
    res.status(202).json({ data: { id: parsed.data.id, status: 'pending' } });
  });

  // --- Thread links (docs/features/notifications.md, "Thread links"): no session; the link itself is the only thing checked. ---

  const noStore: RequestHandler = (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  };

  /** The landing page of shared channels' links: carries no credential, asks to open Chatref from the LMS. */
  router.get('/go/thread/:id', noStore, (req, res) => {
    const parsed = conversationParam.safeParse(req.params);
    res.status(parsed.success ? 200 : 404).render('thread-link', {
      state: 'landing',
      reference: parsed.success ? parsed.data.id : null,
      token: null,
    });
  });

  /** A single-use link: a page with a button, so mail scanners that fetch links do not use it up. */
  router.get('/go', noStore, async (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    const check = await inspectThreadLink(token);
    res.status(check.ok ? 200 : 410).render('thread-link', {
      state: check.ok ? 'ready' : check.reason,
      reference: check.ok ? check.link.conversationId : (check.conversationId ?? null),
      token: check.ok ? token : null,
    });
  });

  router.post('/go', noStore, async (req, res) => {
    const check = await consumeThreadLink(typeof req.query.token === 'string' ? req.query.token : '', {
      redis: queues?.redis,
      prefix: config.REDIS_PREFIX,
    });
    if (!check.ok) {
      res
        .status(410)
        .render('thread-link', { state: check.reason, reference: check.conversationId ?? null, token: null });
      return;
    }
    const session = await sessionForLink(check.link, config.LTI_ENCRYPTION_KEY);
    if (!session) {
      res
        .status(410)
        .render('thread-link', { state: 'no_launch', reference: check.link.conversationId, token: null });
      return;
    }
    res.redirect(303, `/inbox?ltik=${encodeURIComponent(session)}#conversation=${check.link.conversationId}`);
  });

  return router;
}
