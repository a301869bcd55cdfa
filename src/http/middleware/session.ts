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

type Req = Parameters<RequestHandler>[0];

/** The session token from a header, the way every API call from our pages sends it. */
function headerToken(req: Req): string | undefined {
  const authorization = req.get('authorization');
  if (authorization?.startsWith('Bearer ')) return authorization.slice(7).trim() || undefined;
  return req.get('ltik-auth-v1')?.trim() || undefined;
}

/** A token in the query or a form body: only the first page load after a launch, and the deep-link form. */
function urlOrFormToken(req: Req): string | undefined {
  const fromQuery = req.query.ltik;
  if (typeof fromQuery === 'string') return fromQuery;
  const fromBody = (req.body as Record<string, unknown> | undefined)?.ltik;
  return typeof fromBody === 'string' ? fromBody : undefined;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A state-changing API call must carry the session in a header. Browsers attach cookies, and any site can
 * make them submit forms and load URLs, but only script on our own origin can set a header on a request
 * to us; a token in a URL also ends up in histories and proxy logs. Pages do this already (`api()`).
 */
export function needsHeaderSession(req: Req): boolean {
  return STATE_CHANGING.has(req.method) && req.originalUrl.startsWith('/api/');
}

/**
 * Requires a valid session (a launch from the LMS) and, when given, one of the roles. The session lands
 * in `res.locals.session` with the tenant every query must be scoped to.
 */
export function requireSession(secret: string, roles?: readonly ProductRole[]): RequestHandler {
  return async (req, res, next) => {
    const fromHeader = headerToken(req);
    if (!fromHeader && needsHeaderSession(req)) {
      next(
        new AppError(
          'unauthorized',
          'This request must send the session in the Authorization header (a cookie or a token in the URL or form is not accepted). Please open Chatref from your course in the LMS.',
        ),
      );
      return;
    }
    const token = fromHeader ?? urlOrFormToken(req);
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
