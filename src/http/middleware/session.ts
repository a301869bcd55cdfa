import type { RequestHandler } from 'express';
import { AppError } from '../../lib/errors.js';
import { type Session, verifySessionToken } from '../../lti/session.js';
import type { ProductRole } from '../../users/user.model.js';

declare global {
  namespace Express {
    interface Locals {
      session: Session;
    }
  }
}

/** The session token from a header (API calls), or the query/body on the first page load after launch. */
function tokenFrom(req: Parameters<RequestHandler>[0]): string | undefined {
  const authorization = req.get('authorization');
  if (authorization?.startsWith('Bearer ')) return authorization.slice(7).trim();
  const header = req.get('ltik-auth-v1');
  if (header) return header.trim();
  const fromQuery = req.query.ltik;
  if (typeof fromQuery === 'string') return fromQuery;
  const fromBody = (req.body as Record<string, unknown> | undefined)?.ltik;
  return typeof fromBody === 'string' ? fromBody : undefined;
}

/**
 * Requires a valid session (a launch from the LMS) and, when given, one of the roles. The session lands
 * in `res.locals.session` with the tenant every query must be scoped to.
 */
export function requireSession(secret: string, roles?: readonly ProductRole[]): RequestHandler {
  return async (req, res, next) => {
    const token = tokenFrom(req);
    if (!token) {
      // A page reloaded in the LMS frame: its token is in the tab's sessionStorage, not the URL.
      if (req.method === 'GET' && req.accepts(['json', 'html']) === 'html') {
        res.status(401).render('session-restore');
        return;
      }
      next(new AppError('unauthorized', 'Please open Chatref from your course in the LMS.'));
      return;
    }
    try {
      const session = await verifySessionToken(token, secret);
      if (roles && !roles.includes(session.role)) {
        next(new AppError('forbidden', 'This page is for LMS administrators.'));
        return;
      }
      res.locals.session = session;
      next();
    } catch (error) {
      next(error);
    }
  };
}
