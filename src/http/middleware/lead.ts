import type { RequestHandler } from 'express';
import type { InboxService } from '../../inbox/inbox.service.js';
import { AppError } from '../../lib/errors.js';

/**
 * Lets only inbox leads through (the same check as the inbox's lead actions), after a session middleware:
 * anyone else gets a 403 with the page's own wording (`notAdmin` first, when the route checks the role here).
 */
export function requireLead(
  inbox: Pick<InboxService, 'context'>,
  refusals: { notLead: string; notAdmin?: string },
): RequestHandler {
  return async (_req, res, next) => {
    try {
      const session = res.locals.session;
      if (refusals.notAdmin && session.role !== 'admin') throw new AppError('forbidden', refusals.notAdmin);
      const ctx = await inbox.context(session);
      if (!ctx.isLead) throw new AppError('forbidden', refusals.notLead);
      next();
    } catch (error) {
      next(error);
    }
  };
}
