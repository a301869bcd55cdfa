import { Router } from 'express';
import { z } from 'zod';
import type { WebServices } from '../../app/services.js';
import type { Config } from '../../config/env.js';
import { MAX_RANGE_DAYS } from '../../insights/dashboard.service.js';
import { createGapQa, draftFromThread, loadGaps } from '../../insights/gap.service.js';
import { localDate } from '../../insights/insights-projector.js';
import { AppError } from '../../lib/errors.js';
import type { Session } from '../../lti/session.js';
import { loadSlaSettings } from '../../sla/tenant-sla.js';
import { requireSession } from '../middleware/session.js';
import { presentGapDraft, presentGapEntry, presentGaps } from '../presenters/insights-gaps.presenter.js';
import { parseInput } from '../validate.js';
import { QA_ANSWER_MAX, QA_QUESTION_MAX } from './knowledge.routes.js';

const objectIdString = (what: string) => z.string().regex(/^[0-9a-fA-F]{24}$/, `${what} was not found.`);

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Dates look like 2026-11-30.')
  .refine((value) => {
    const time = Date.parse(`${value}T00:00:00Z`);
    return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === value;
  }, 'That date does not exist.');

const rangeSchema = z.object({
  from: isoDate.optional(),
  to: isoDate.optional(),
  course: objectIdString('That course').optional(),
});

const qaBody = z.object({
  conversationId: objectIdString('That conversation'),
  topicId: objectIdString('That topic').nullable().optional(),
  question: z
    .string({ error: 'A question is needed.' })
    .trim()
    .min(1, 'A question is needed.')
    .max(QA_QUESTION_MAX, `The question is too long (at most ${QA_QUESTION_MAX} characters).`),
  answer: z
    .string({ error: 'An answer is needed.' })
    .trim()
    .min(1, 'An answer is needed.')
    .max(QA_ANSWER_MAX, `The answer is too long (at most ${QA_ANSWER_MAX} characters).`),
  scope: z.enum(['course', 'institution'], { error: 'Choose this course or the whole institution.' }),
});

const threadParams = z.object({ id: objectIdString('That conversation') });

const DEFAULT_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * The range and course a request may see, as the dashboard decides it (insights.routes.ts `scopeOf`): the
 * last 30 days of the tenant's calendar unless it says otherwise; an instructor always sees their own
 * course only, whatever the request asks.
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

/**
 * Documentation gaps on the Insights page: the questions behind handoffs and unsure answers by topic with
 * the staff replies that resolved them (admins: tenant or a course; instructors: their course), and
 * "Turn into a Q&A", which adds knowledge and so is for admins only, as the Knowledge page's Q&A is.
 */
export function insightsGapsRoutes(deps: {
  config: Config;
  services: Pick<WebServices, 'conversations' | 'knowledge'>;
}): Router {
  const router = Router();
  const conversations = deps.services.conversations.service;
  const knowledge = deps.services.knowledge;
  const staff = requireSession(deps.config.LTI_ENCRYPTION_KEY, ['admin', 'instructor']);
  const admin = requireSession(deps.config.LTI_ENCRYPTION_KEY, ['admin']);

  router.get('/api/insights/gaps', staff, async (req, res) => {
    const scope = await scopeOf(res.locals.session, parseInput(rangeSchema, req.query));
    const result = await loadGaps(scope, { conversations });
    res.json({ data: presentGaps(result, scope) });
  });

  router.get('/api/insights/gaps/threads/:id', admin, async (req, res) => {
    const { id } = parseInput(threadParams, req.params);
    const session = res.locals.session as Session;
    const draft = await draftFromThread(
      { tenantId: session.tenantId, conversationId: id },
      { conversations },
    );
    res.json({ data: presentGapDraft(draft) });
  });

  router.post('/api/insights/gaps/qa', admin, async (req, res) => {
    const body = parseInput(qaBody, req.body ?? {});
    const session = res.locals.session as Session;
    const entry = await createGapQa(
      {
        tenantId: session.tenantId,
        conversationId: body.conversationId,
        topicId: body.topicId ?? null,
        question: body.question,
        answer: body.answer,
        scope: body.scope,
        createdBy: session.userId,
      },
      { conversations, knowledge },
    );
    res.status(201).json({ data: presentGapEntry(entry) });
  });

  return router;
}
