import { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../config/env.js';
import type { Queues } from '../../jobs/queues.js';
import { AppError } from '../../lib/errors.js';
import { eraseJobId } from '../../privacy/privacy.jobs.js';
import { retentionDays, retentionDaysSchema, setRetentionDays } from '../../privacy/retention-setting.js';
import { assertErasable, exportPerson, findPeople } from '../../privacy/user-data.js';
import { requireSession } from '../middleware/session.js';
import { parseInput } from '../validate.js';
import { pageContext } from './pages.routes.js';

export interface PrivacyRouteDeps {
  config: Pick<Config, 'LTI_ENCRYPTION_KEY'>;
  /** Erasures run as jobs (`privacy-erase-<tenant>-<user>`); without queues they answer 503. */
  queues?: Pick<Queues, 'enqueue' | 'get'>;
}

const settingsBody = z.object({ retentionDays: retentionDaysSchema }).strict();
const findQuery = z
  .object({
    email: z.string().trim().email('must be an email address').max(320).optional(),
    userId: z
      .string()
      .regex(/^[0-9a-fA-F]{24}$/, 'must be a user id (24 hexadecimal characters)')
      .optional(),
  })
  .refine((query) => query.email || query.userId, 'Give an email address or a user id.');
const userParam = z.object({ id: z.string().regex(/^[0-9a-fA-F]{24}$/, 'must be a user id') });
const eraseBody = z
  .object({ confirm: z.literal(true, { error: 'must be true: erasing cannot be undone' }) })
  .strict();

/** How an erasure request looks to the admin page: its state and, when done, what went. */
function presentRequest(job: { id?: string; returnvalue?: unknown; failedReason?: string }, state: string) {
  return {
    state,
    ...(state === 'completed' ? { result: job.returnvalue } : {}),
    ...(state === 'failed'
      ? { error: 'The erasure failed; it is retried. Ask an operator if it stays failed.' }
      : {}),
  };
}

/**
 * Settings → Data and privacy (admins only, scoped to the session's tenant): the retention days, and one
 * person's data on request (find, export as JSON, erase with confirmation, then the erasure's progress).
 */
export function privacyRoutes(deps: PrivacyRouteDeps): Router {
  const router = Router();
  const admin = requireSession(deps.config.LTI_ENCRYPTION_KEY, ['admin']);
  const queues = () => {
    if (!deps.queues)
      throw new AppError('unavailable', 'Erasing needs the job queue, which is not available.');
    return deps.queues;
  };

  router.get('/settings/privacy', admin, async (_req, res) => {
    res.render('settings-privacy', { ...(await pageContext(res.locals.session)) });
  });

  router.get('/api/privacy/settings', admin, async (_req, res) => {
    res.json({ data: { retentionDays: await retentionDays(res.locals.session.tenantId) } });
  });

  router.put('/api/privacy/settings', admin, async (req, res) => {
    const input = parseInput(settingsBody, req.body ?? {});
    const saved = await setRetentionDays(res.locals.session.tenantId, input.retentionDays);
    res.json({ data: { retentionDays: saved } });
  });

  router.get('/api/privacy/people', admin, async (req, res) => {
    const query = parseInput(findQuery, req.query);
    const lookup = query.userId ? { userId: query.userId } : { email: query.email as string };
    res.json({ data: { people: await findPeople(res.locals.session.tenantId, lookup) } });
  });

  router.get('/api/privacy/people/:id/export', admin, async (req, res) => {
    const { id } = parseInput(userParam, req.params);
    const data = await exportPerson(res.locals.session.tenantId, id);
    res.setHeader('content-disposition', `attachment; filename="chatref-user-${id}.json"`);
    res.setHeader('cache-control', 'no-store');
    res.type('application/json').send(JSON.stringify(data, null, 2));
  });

  router.post('/api/privacy/people/:id/erase', admin, async (req, res) => {
    const { id } = parseInput(userParam, req.params);
    parseInput(eraseBody, req.body ?? {});
    const { tenantId, userId } = res.locals.session;
    if (id === userId)
      throw new AppError(
        'bad_request',
        'You cannot erase yourself here: ask another admin, or an operator (CLI).',
      );
    const [person] = await findPeople(tenantId, { userId: id });
    if (!person) throw new AppError('not_found', 'That person was not found in this institution.');
    await assertErasable(tenantId, id);
    const jobId = eraseJobId(tenantId, id);
    // A fixed id per person: confirming twice erases once.
    const job = await queues().enqueue(
      'privacy',
      'eraseUser',
      { tenantId, userId: id },
      { jobId, attempts: 3, removeOnComplete: { age: 7 * 24 * 3600 } },
    );
    res.status(202).json({ data: presentRequest(job, (await job.getState()) as string) });
  });

  router.get('/api/privacy/people/:id/erase', admin, async (req, res) => {
    const { id } = parseInput(userParam, req.params);
    const job = await queues().get('privacy').getJob(eraseJobId(res.locals.session.tenantId, id));
    if (!job) throw new AppError('not_found', 'No erasure was asked for that person.');
    res.json({ data: presentRequest(job, await job.getState()) });
  });

  return router;
}
