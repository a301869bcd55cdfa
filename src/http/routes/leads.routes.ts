import { type Request, Router } from 'express';
import { z } from 'zod';
import type { ChatService } from '../../chat/chat.service.js';
import type { Config } from '../../config/env.js';
import { LEAD_STATUSES, type LeadStatus } from '../../leads/lead.model.js';
import type { LeadService } from '../../leads/lead.service.js';
import { leadStrings } from '../../leads/lead-messages.js';
import { leadSettingsSchemaInput, saveLeadSettings, tenantConsentText } from '../../leads/lead-settings.js';
import { toCsv } from '../../lib/csv.js';
import { AppError } from '../../lib/errors.js';
import { requireSession } from '../middleware/session.js';
import { LEAD_CSV_HEADER, leadCsvRow, presentLead } from '../presenters/leads.presenter.js';
import { parseInput } from '../validate.js';
import { pageContext } from './pages.routes.js';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'must be an id');
const threadSchema = z.object({ conversationId: objectId });
const statusSchema = z.enum(LEAD_STATUSES as [LeadStatus, ...LeadStatus[]], {
  message: `must be one of ${LEAD_STATUSES.join(', ')}`,
});
const listSchema = z.object({ status: statusSchema.optional() });
const changeSchema = z
  .object({
    status: statusSchema.optional(),
    ownerId: objectId.nullable().optional(),
    note: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(4000, 'must be at most 4000 characters')
      .optional(),
    version: z.number().int().min(0).optional(),
  })
  .strict();

/**
 * Lead capture in the chat (the learner's card: its state, submit, "No thanks") and the Leads page for
 * the tenant's administrators (list, one lead, status/owner/notes, CSV export, the consent sentence).
 * Learners and instructors get the product's usual refusal on the staff side; another tenant's lead is
 * "not found".
 */
export function leadsRoutes(deps: { config: Config; chat: ChatService; leads: LeadService }): Router {
  const router = Router();
  const session = requireSession(deps.config.LTI_ENCRYPTION_KEY);
  const admin = requireSession(deps.config.LTI_ENCRYPTION_KEY, ['admin']);
  const leadId = (req: Request) => {
    const parsed = objectId.safeParse(req.params.id);
    if (!parsed.success) throw new AppError('not_found', 'That lead was not found.');
    return parsed.data;
  };

  // ---------------------------------------------------------------- the learner's card

  router.get('/api/chat/lead', session, async (req, res) => {
    const { conversationId } = parseInput(threadSchema, req.query);
    const current = res.locals.session;
    const state = await deps.chat.leadState(current, conversationId);
    res.json({ ...state, strings: leadStrings(current.locale) });
  });

  router.post('/api/chat/lead', session, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const { conversationId } = parseInput(threadSchema, body);
    const result = await deps.chat.submitLead(res.locals.session, { conversationId, contact: body });
    if (!result.ok) {
      const [first] = Object.entries(result.fields);
      res.status(400).json({
        error: {
          code: 'bad_request',
          message: first ? `${first[0]}: ${first[1]}` : 'The details are not valid.',
          fields: result.fields,
        },
      });
      return;
    }
    res.status(result.created ? 201 : 200).json({ stage: 'captured', created: result.created });
  });

  router.post('/api/chat/lead/decline', session, async (req, res) => {
    const { conversationId } = parseInput(threadSchema, req.body ?? {});
    res.json(await deps.chat.declineLead(res.locals.session, conversationId));
  });

  // ---------------------------------------------------------------- the Leads page (admins)

  router.get('/leads', admin, async (_req, res) => {
    res.render('leads', {
      ...(await pageContext(res.locals.session)),
      lang: 'en',
      statuses: LEAD_STATUSES,
      // "Take ownership" gives the lead to whoever is signed in.
      userId: res.locals.session.userId,
    });
  });

  router.get('/api/leads', admin, async (req, res) => {
    const { status } = parseInput(listSchema, req.query);
    const tenantId = res.locals.session.tenantId;
    const [leads, owners] = await Promise.all([
      deps.leads.list(tenantId, { status }),
      deps.leads.owners(tenantId),
    ]);
    res.json({ data: { leads: leads.map(presentLead), owners, statuses: LEAD_STATUSES } });
  });

  router.get('/api/leads/export.csv', admin, async (req, res) => {
    const { status } = parseInput(listSchema, req.query);
    const leads = (await deps.leads.list(res.locals.session.tenantId, { status })).map(presentLead);
    const day = new Date().toISOString().slice(0, 10);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="leads-${day}.csv"`);
    res.setHeader('Cache-Control', 'no-store');
    // A byte-order mark so spreadsheet programs read the file as UTF-8 (names with accents).
    res.send(`\uFEFF${toCsv([LEAD_CSV_HEADER, ...leads.map(leadCsvRow)])}`);
  });

  router.get('/api/leads/settings', admin, async (_req, res) => {
    res.json({
      data: {
        consentText: (await tenantConsentText(res.locals.session.tenantId)) ?? '',
        defaultConsentText: leadStrings('en').consent,
      },
    });
  });

  router.put('/api/leads/settings', admin, async (req, res) => {
    const input = parseInput(leadSettingsSchemaInput, req.body ?? {}, 'The request was not valid.');
    await saveLeadSettings(res.locals.session.tenantId, input);
    res.json({ data: { consentText: input.consentText, defaultConsentText: leadStrings('en').consent } });
  });

  router.get('/api/leads/:id', admin, async (req, res) => {
    res.json({ data: presentLead(await deps.leads.get(res.locals.session.tenantId, leadId(req))) });
  });

  router.patch('/api/leads/:id', admin, async (req, res) => {
    const id = leadId(req);
    const input = parseInput(changeSchema, req.body ?? {}, 'The request was not valid.');
    const current = res.locals.session;
    const lead = await deps.leads.change(
      { tenantId: current.tenantId, userId: current.userId },
      id,
      { status: input.status, ownerId: input.ownerId, note: input.note },
      input.version,
    );
    res.json({ data: presentLead(lead) });
  });

  return router;
}
