import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
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

/**
 * Session tokens are compact JWTs (HS256, typ "chatref-session") that only this tool issues and reads, on
 * every launch and every API call. They are signed with node:crypto's HMAC directly: through jose (Web
 * Crypto) one cost about ten times as much CPU (measured: ~160 µs against ~16 µs a token), a visible share
 * of a launch. Platform id tokens, which come from outside, are still verified by jose.
 */
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'chatref-session' })).toString('base64url');

const sessionKeys = new Map<string, Buffer>();

/** A key of its own, derived from LTI_ENCRYPTION_KEY, so session tokens never verify as anything else. */
function sessionKey(secret: string): Buffer {
  let key = sessionKeys.get(secret);
  if (!key) {
    key = createHash('sha256').update(`chatref-session:${secret}`).digest();
    sessionKeys.set(secret, key);
  }
  return key;
}

const signature = (signingInput: string, secret: string) =>
  createHmac('sha256', sessionKey(secret)).update(signingInput).digest();

/**
 * Issues the session token ("ltik") pages send as `Authorization: Bearer …` — never a cookie, so it
 * works inside LMS iframes with third-party cookies blocked.
 */
export async function issueSessionToken(session: Session, secret: string, ttlSeconds = SESSION_TTL_SECONDS) {
  const now = Math.floor(Date.now() / 1000);
  const payload = Buffer.from(
    JSON.stringify({
      tid: session.tenantId,
      uid: session.userId,
      cid: session.courseId,
      role: session.role,
      loc: session.locale,
      sub: session.launchId,
      iat: now,
      exp: now + ttlSeconds,
    }),
  ).toString('base64url');
  const signingInput = `${HEADER}.${payload}`;
  return `${signingInput}.${signature(signingInput, secret).toString('base64url')}`;
}

function readToken(token: string, secret: string): Record<string, unknown> {
  const [header, payload, given, extra] = token.split('.');
  if (header !== HEADER || !payload || !given || extra !== undefined) throw new Error('not a session');
  const expected = signature(`${header}.${payload}`, secret);
  const actual = Buffer.from(given, 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected))
    throw new Error('bad signature');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  if (typeof claims.exp !== 'number' || claims.exp <= Date.now() / 1000) throw new Error('expired');
  if (typeof claims.sub !== 'string') throw new Error('not a session');
  return claims;
}

/** Verifies a session token; a tampered, expired or foreign token is a 401 with a way forward. */
export async function verifySessionToken(token: string, secret: string): Promise<Session> {
  try {
    const payload = readToken(token, secret);
    return {
      launchId: String(payload.sub),
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
