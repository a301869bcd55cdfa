import { Router } from 'express';
import type { Config } from '../../config/env.js';
import { CourseModel } from '../../courses/course.model.js';
import { findInTenant } from '../../db/by-id.js';
import { HANDOFF_REASON_LABELS } from '../../handoff/reason-labels.js';
import { uiLanguage, uiMessages } from '../../i18n/ui-messages.js';
import type { Session } from '../../lti/session.js';
import { UserModel } from '../../users/user.model.js';
import { requireSession } from '../middleware/session.js';
import { modulePreloads } from '../presenters/module-preloads.presenter.js';

/** What every page header shows: who is signed in, where, in which language. */
export async function pageContext(session: Session) {
  const [user, course] = await Promise.all([
    findInTenant(UserModel, session.userId, session.tenantId),
    session.courseId ? findInTenant(CourseModel, session.courseId, session.tenantId) : null,
  ]);
  return {
    userName: user?.name ?? user?.email ?? 'Signed in',
    role: session.role,
    courseTitle: course?.title ?? course?.label ?? null,
    lang: uiLanguage(session.locale),
    t: uiMessages(session.locale),
  };
}

/** The tenant's handoff settings, as far as the chat page needs them (cached by their service). */
export interface LearnerMessageLimits {
  getSettings(tenantId: string): Promise<{ maxMessageLength: number }>;
}

/**
 * The chat composer's limit: the configured one, or the tenant's lower limit for learners' messages
 * (the store refuses longer ones). The catalog's "too long" sentence is given the same number.
 */
async function chatLimit(config: Config, session: Session, limits: LearnerMessageLimits | undefined) {
  const tenant = limits ? (await limits.getSettings(session.tenantId)).maxMessageLength : Infinity;
  return Math.min(config.MESSAGE_MAX_CHARS, tenant);
}

/** The pages a launch lands on; the session decides who may open which. */
export function pageRoutes(config: Config, deps: { limits?: LearnerMessageLimits } = {}): Router {
  const router = Router();
  const secret = config.LTI_ENCRYPTION_KEY;
  const preload = { chat: modulePreloads('js/chat.js'), inbox: modulePreloads('js/inbox.js') };
  router.get('/chat', requireSession(secret), async (_req, res) => {
    const session: Session = res.locals.session;
    const [context, messageMaxChars] = await Promise.all([
      pageContext(session),
      chatLimit(config, session, deps.limits),
    ]);
    const t = { ...context.t, tooLong: context.t.tooLong.replace(/\d+/, String(messageMaxChars)) };
    res.render('chat', { ...context, t, messageMaxChars, modulePreloads: preload.chat });
  });
  router.get('/inbox', requireSession(secret, ['admin', 'instructor']), async (_req, res) => {
    res.render('inbox', {
      ...(await pageContext(res.locals.session)),
      messageMaxChars: config.MESSAGE_MAX_CHARS,
      reasonLabels: HANDOFF_REASON_LABELS,
      modulePreloads: preload.inbox,
    });
  });
  router.get('/inbox/setup', requireSession(secret, ['admin', 'instructor']), async (_req, res) => {
    // The course launched from, for building its instructor team.
    res.render('inbox-setup', {
      ...(await pageContext(res.locals.session)),
      courseId: res.locals.session.courseId ?? null,
    });
  });
  router.get('/deep-link', requireSession(secret, ['instructor', 'admin']), async (req, res) => {
    res.render('deep-link', { ...(await pageContext(res.locals.session)), sessionToken: req.query.ltik });
  });
  return router;
}
