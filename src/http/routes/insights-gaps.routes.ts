import { Router } from 'express';
import { z } from 'zod';
import type { WebServices } from '../../app/services.js';
import type { Config } from '../../config/env.js';
import { createGapQa, draftFromThread, loadGaps } from '../../insights/gap.service.js';
import type { Session } from '../../lti/session.js';
import { requireSession } from '../middleware/session.js';
import { presentGapDraft, presentGapEntry, presentGaps } from '../presenters/insights-gaps.presenter.js';
import { parseInput } from '../validate.js';
import { insightsRangeSchema, insightsScopeOf } from './insights-scope.js';
import { qaFields } from './knowledge.routes.js';

const objectIdString = (what: string) => z.string().regex(/^[0-9a-fA-F]{24}$/, `${what} was not found.`);

const qaBody = z.object({
  conversationId: objectIdString('That conversation'),
  topicId: objectIdString('That topic').nullable().optional(),
  ...qaFields,
  scope: z.enum(['course', 'institution'], { error: 'Choose this course or the whole institution.' }),
});

const threadParams = z.object({ id: objectIdString('That conversation') });

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
    const scope = await insightsScopeOf(res.locals.session, parseInput(insightsRangeSchema, req.query));
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
