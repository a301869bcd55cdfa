import { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../config/env.js';
import { loadDashboard, MAX_RANGE_DAYS } from '../../insights/dashboard.service.js';
import { loadSpikeRule, saveSpikeRule, spikeRuleSchema } from '../../insights/insight-settings.js';
import { localDate } from '../../insights/insights-projector.js';
import { toCsv } from '../../leads/csv.js';
import { AppError } from '../../lib/errors.js';
import type { Session } from '../../lti/session.js';
import { loadSlaSettings } from '../../sla/tenant-sla.js';
import { requireSession } from '../middleware/session.js';
import {
  INSIGHT_TABLES,
  type InsightTable,
  presentDashboard,
  tableRows,
} from '../presenters/insights.presenter.js';
import { parseInput } from '../validate.js';
import { pageContext } from './pages.routes.js';

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Dates look like 2026-11-30.')
  // Date.parse rolls 2026-02-31 over to March: a real date reads back the same.
  .refine((value) => {
    const time = Date.parse(`${value}T00:00:00Z`);
    return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === value;
  }, 'That date does not exist.');

const rangeSchema = z.object({
  from: isoDate.optional(),
  to: isoDate.optional(),
  course: z
    .string()
    .regex(/^[0-9a-fA-F]{24}$/, 'That course was not found.')
    .optional(),
});

const exportSchema = rangeSchema.extend({
  table: z.enum(INSIGHT_TABLES, { error: `table: one of ${INSIGHT_TABLES.join(', ')}.` }),
});

/** Days shown when the request names none. */
const DEFAULT_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * The range and course a request may see: the last 30 days of the tenant's calendar unless it says
 * otherwise; an instructor always sees their own course only, whatever the request asks.
 */
async function scopeOf(session: Session, input: z.output<typeof rangeSchema>) {
  if (session.role === 'instructor' && !session.courseId)
    throw new AppError('forbidden', 'Open Insights from your course to see its figures.');
  const zone = (await loadSlaSettings(session.tenantId)).settings.timeZone;
  const to = input.to ?? localDate(Date.now(), zone);
  const from =
    input.from ??
    new Date(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;
  if (days < 1) throw new AppError('bad_request', 'from: the range must start on or before its end.');
  if (days > MAX_RANGE_DAYS)
    throw new AppError('bad_request', `The range can be at most ${MAX_RANGE_DAYS} days.`);
  const courseId = session.role === 'instructor' ? session.courseId : input.course;
  return { tenantId: session.tenantId, from, to, ...(courseId ? { courseId } : {}), zone };
}

/** The Insights page and its API: admins see the tenant (optionally one course), instructors their course. */
export function insightsRoutes(deps: { config: Config }): Router {
  const router = Router();
  const staff = requireSession(deps.config.LTI_ENCRYPTION_KEY, ['admin', 'instructor']);

  router.get('/insights', staff, async (_req, res) => {
    const session = res.locals.session as Session;
    res.render('insights', {
      ...(await pageContext(session)),
      courseOnly: session.role === 'instructor',
    });
  });

  router.get('/api/insights', staff, async (req, res) => {
    const scope = await scopeOf(res.locals.session, parseInput(rangeSchema, req.query));
    res.json({ data: presentDashboard(await loadDashboard(scope), scope.zone) });
  });

  router.get('/api/insights/export.csv', staff, async (req, res) => {
    const input = parseInput(exportSchema, req.query);
    const scope = await scopeOf(res.locals.session, input);
    const dashboard = presentDashboard(await loadDashboard(scope), scope.zone);
    const table: InsightTable = input.table;
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="insights-${table}-${scope.from}-to-${scope.to}.csv"`,
    );
    res.setHeader('Cache-Control', 'no-store');
    // A byte-order mark so spreadsheet programs read the file as UTF-8.
    res.send(`\uFEFF${toCsv(tableRows(dashboard, table))}`);
  });

  const admin = requireSession(deps.config.LTI_ENCRYPTION_KEY, ['admin']);

  router.get('/api/insights/settings', staff, async (_req, res) => {
    res.json({ data: { spike: await loadSpikeRule(res.locals.session.tenantId) } });
  });

  router.put('/api/insights/settings', admin, async (req, res) => {
    const { spike } = parseInput(
      z.object({ spike: spikeRuleSchema }),
      req.body ?? {},
      'The settings were not valid.',
    );
    res.json({ data: { spike: await saveSpikeRule(res.locals.session.tenantId, spike) } });
  });

  return router;
}
