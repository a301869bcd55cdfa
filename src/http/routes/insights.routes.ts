import { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../config/env.js';
import { loadDashboard } from '../../insights/dashboard.service.js';
import { loadSpikeRule, saveSpikeRule, spikeRuleSchema } from '../../insights/insight-settings.js';
import { toCsv } from '../../lib/csv.js';
import type { Session } from '../../lti/session.js';
import { requireSession } from '../middleware/session.js';
import {
  INSIGHT_TABLES,
  type InsightTable,
  presentDashboard,
  tableRows,
} from '../presenters/insights.presenter.js';
import { parseInput } from '../validate.js';
import { insightsRangeSchema, insightsScopeOf } from './insights-scope.js';
import { pageContext } from './pages.routes.js';

const exportSchema = insightsRangeSchema.extend({
  table: z.enum(INSIGHT_TABLES, { error: `table: one of ${INSIGHT_TABLES.join(', ')}.` }),
});

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
    const scope = await insightsScopeOf(res.locals.session, parseInput(insightsRangeSchema, req.query));
    res.json({ data: presentDashboard(await loadDashboard(scope), scope.zone) });
  });

  router.get('/api/insights/export.csv', staff, async (req, res) => {
    const input = parseInput(exportSchema, req.query);
    const scope = await insightsScopeOf(res.locals.session, input);
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
