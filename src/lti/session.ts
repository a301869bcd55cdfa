import { createHash } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { AppError } from '../lib/errors.js';
import type { ProductRole } from '../users/user.model.js';

/** How long a launch keeps working before the person must open the tool from the LMS again. */
export const SESSION_TTL_SECONDS = 8 * 3600;

/** What every API call knows about its caller, from the signed session token (no database read). */
export interface Session {
  launchId: string;
  tenantId: string;
  userId: string;
  courseId?: string;
  role: ProductRole;
  locale: string;
}

function sessionKey(secret: string): Uint8Array {
  // A key of its own, derived from LTI_ENCRYPTION_KEY, so session tokens never verify as anything else.
  return createHash('sha256').update(`chatref-session:${secret}`).digest();
}

/**
 * Issues the session token ("ltik") pages send as `Authorization: Bearer …` — never a cookie, so it
 * works inside LMS iframes with third-party cookies blocked.
 */
export async function issueSessionToken(session: Session, secret: string, ttlSeconds = SESSION_TTL_SECONDS) {
  return new SignJWT({
    tid: session.tenantId,
    uid: session.userId,
    cid: session.courseId,
    role: session.role,
    loc: session.locale,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'chatref-session' })
    .setSubject(session.launchId)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(sessionKey(secret));
}

/** Verifies a session token; a tampered, expired or foreign token is a 401 with a way forward. */
export async function verifySessionToken(token: string, secret: string): Promise<Session> {
  try {
    const { payload, protectedHeader } = await jwtVerify(token, sessionKey(secret), {
      algorithms: ['HS256'],
    });
    if (protectedHeader.typ !== 'chatref-session' || typeof payload.sub !== 'string')
      throw new Error('not a session');
    return {
      launchId: payload.sub,
      tenantId: String(payload.tid),
      userId: String(payload.uid),
      courseId: typeof payload.cid === 'string' ? payload.cid : undefined,
      role: payload.role as ProductRole,
      locale: typeof payload.loc === 'string' ? payload.loc : 'en',
    };
  } catch {
    throw new AppError(
      'unauthorized',
      'Your session has ended or is not valid. Please open Chatref again from your course.',
    );
  }
}
