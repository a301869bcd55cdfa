import express, { type Response, Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../config/env.js';
import type { InboxService } from '../../inbox/inbox.service.js';
import type { Queues } from '../../jobs/queues.js';
import { AppError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { LiveBus } from '../../live/live-bus.js';
import { publishSettingsChange } from '../../live/settings-channel.js';
import { SlaSettingsService } from '../../sla/sla-settings.service.js';
import { slaSettingsStore } from '../../storage/sla/stored-sla-settings.js';
import { requireLead } from '../middleware/lead.js';
import { requireSession } from '../middleware/session.js';
import { presentSlaSettings } from '../presenters/sla-settings.presenter.js';
import { pageContext } from './pages.routes.js';

export interface SlaSettingsRouteDeps {
  config: Pick<Config, 'LTI_ENCRYPTION_KEY' | 'NODE_ENV'>;
  /** Decides the lead permission (the same check as the inbox's lead actions). */
  inbox: Pick<InboxService, 'context'>;
  /** Where a save queues the re-timing of running clocks; without it, saves only change the settings. */
  queues?: Pick<Queues, 'enqueue'>;
  /** Where a save is announced, so every process drops its cached copy (several web and worker processes). */
  bus?: Pick<LiveBus, 'channel' | 'publish'>;
  logger?: Logger;
  /** For tests: a service of their own. */
  service?: SlaSettingsService;
}

/** The largest .ics upload accepted (a university calendar with years of events is well under this). */
const ICS_LIMIT = '2mb';

/** `{ url }` to fetch, or `{ ics }` with the text; a raw text/calendar body is read as `ics`. */
const icsBody = z.union([
  z.object({ url: z.string({ error: 'must be a URL' }).trim().min(1, 'is required').max(2000) }).strict(),
  z.object({ ics: z.string({ error: 'must be the calendar text' }).max(2_000_000) }).strict(),
]);

/** The job id of a re-time: one per tenant and settings version (no ':' in BullMQ ids). */
export const retimeJobId = (tenantId: string, version: number) => `sla-retime-${tenantId}-${version}`;

/**
 * Settings → Hours and SLAs: the page and its JSON API (business calendar, closures and .ics import,
 * academic periods, SLA policies and rules, warning share, pause, escalation, digest rhythm). Inbox leads
 * only; everything is scoped to the session's tenant.
 */
export function slaSettingsRoutes(deps: SlaSettingsRouteDeps): Router {
  const router = Router();
  const { queues, bus, logger } = deps;
  const service =
    deps.service ??
    new SlaSettingsService({
      store: slaSettingsStore,
      allowPrivateUrls: deps.config.NODE_ENV !== 'production',
      logger,
      onChange:
        queues || bus
          ? async (tenantId, version) => {
              // Announced before the answer: the next handoff, on whichever process, uses the new targets.
              if (bus) await publishSettingsChange(bus, { tenantId, kind: 'sla', version });
              await queues?.enqueue(
                'sla',
                'retime',
                { tenantId, version },
                { jobId: retimeJobId(tenantId, version) },
              );
            }
          : undefined,
    });
  const session = requireSession(deps.config.LTI_ENCRYPTION_KEY);

  /** Leads only: learners and instructors, and admins without the lead permission, get a 403 saying why. */
  const lead = requireLead(deps.inbox, {
    notAdmin: 'Hours and SLAs are set by inbox leads (LMS administrators).',
    notLead: 'Hours and SLAs are set by inbox leads; ask a lead to give you the lead permission.',
  });

  const tenantOf = (res: Response) => res.locals.session.tenantId;

  router.get('/settings/hours', session, lead, async (_req, res) => {
    res.render('settings-hours', {
      ...(await pageContext(res.locals.session)),
      // This admin page is English only for now; say so whatever the launch locale.
      lang: 'en',
    });
  });

  router.get('/api/settings/sla', session, lead, async (_req, res) => {
    res.json({ data: presentSlaSettings(await service.get(tenantOf(res))) });
  });

  router.put('/api/settings/sla', session, lead, async (req, res) => {
    const saved = await service.update(tenantOf(res), req.body ?? {}, res.locals.session.userId);
    res.json({ data: presentSlaSettings(saved) });
  });

  router.post(
    '/api/settings/sla/ics',
    session,
    lead,
    // Read only once the caller is known to be a lead.
    express.text({ type: ['text/calendar', 'text/plain', 'application/octet-stream'], limit: ICS_LIMIT }),
    async (req, res) => {
      const raw = typeof req.body === 'string' ? { ics: req.body } : (req.body ?? {});
      const parsed = icsBody.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.join('.') || 'file';
        throw new AppError(
          'bad_request',
          `${field}: ${issue?.message ?? 'choose an .ics file or give a calendar URL'}`,
          {
            field,
          },
        );
      }
      const outcome = await service.importIcs(tenantOf(res), parsed.data, res.locals.session.userId);
      res.json({
        data: presentSlaSettings(outcome),
        imported: outcome.imported,
        skipped: outcome.skipped,
      });
    },
  );

  return router;
}
