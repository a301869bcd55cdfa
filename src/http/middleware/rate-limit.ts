import type { Request, RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../../config/env.js';
import type { Logger } from '../../lib/logger.js';
import { verifySessionToken } from '../../lti/session.js';

/** Limits count requests per minute: long enough to absorb a burst, short enough that a wait is short. */
export const RATE_WINDOW_MS = 60_000;
/** A counter that does not answer within this is treated as down (the request must not hang on it). */
const COUNTER_TIMEOUT_MS = 500;

/** Counts hits per key in fixed windows, shared by every web process. */
export interface RateCounter {
  /** This hit's number within the key's current window; rejects when the counter cannot be reached. */
  hit(key: string, windowMs: number, nowMs: number): Promise<number>;
}

// One round trip, atomic: the first hit of a window also sets its expiry, so no key outlives its window.
const HIT_SCRIPT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/** Counters in Redis: every web process behind the load balancer sees the same count. */
export class RedisRateCounter implements RateCounter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async hit(key: string, windowMs: number, nowMs: number): Promise<number> {
    const window = Math.floor(nowMs / windowMs);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('rate counter timed out')), COUNTER_TIMEOUT_MS);
    });
    try {
      const count = await Promise.race([
        this.redis.eval(HIT_SCRIPT, 1, `${this.prefix}:rl:${key}:${window}`, String(windowMs + 1000)),
        timeout,
      ]);
      return Number(count);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * One limit. `whenCounterDown` says what happens while Redis cannot be reached:
 * - `closed` (launch): the launch needs Redis anyway (its login state lives there), and it is the one
 *   endpoint anyone may call without a session that costs a key fetch, a signature check and writes;
 *   answering 503 at once is honest and keeps a flood from piling onto a struggling system;
 * - `open` (chat, API): callers hold a signed session and are counted per person; an outage of the
 *   counter must not lock learners and staff out of what still works without Redis.
 */
export interface RateRule {
  name: 'launch' | 'chat' | 'api';
  limit: number;
  whenCounterDown: 'open' | 'closed';
  /** Who is counted: a person (tenant and user of a valid session) or a client address. */
  subject(req: Request): Promise<string>;
  /** What the person reads, given the seconds to wait. */
  message(seconds: number): string;
}

/** Who is calling: the person behind a valid session (header, or the URL token of a page load), else the address. */
export async function callerOf(req: Request, secret: string): Promise<string> {
  const authorization = req.get('authorization');
  const token =
    (authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : undefined) ||
    req.get('ltik-auth-v1')?.trim() ||
    (typeof req.query.ltik === 'string' ? req.query.ltik : undefined);
  if (token) {
    try {
      const session = await verifySessionToken(token, secret);
      return `user:${session.tenantId}:${session.userId}`;
    } catch {
      // An invalid token is counted by address; the route answers 401 for it.
    }
  }
  return `ip:${req.ip ?? 'unknown'}`;
}

const wantsPage = (req: Request) =>
  req.originalUrl.startsWith('/lti/') || (req.method === 'GET' && req.accepts(['json', 'html']) === 'html');

function refuse(
  req: Request,
  res: Response,
  status: 429 | 503,
  code: string,
  message: string,
  seconds: number,
) {
  res.setHeader('Retry-After', String(seconds));
  if (wantsPage(req)) {
    res.status(status).render('lti-refused', { message, code, restartUrl: undefined, adminHint: undefined });
    return;
  }
  res.status(status).json({ error: { code, message, retryAfterSeconds: seconds } });
}

/** Applies one rule: 429 with Retry-After and a plain-words message once the caller's count passes the limit. */
export function rateLimit(
  rule: RateRule,
  counter: RateCounter,
  logger: Logger,
  now: () => number = Date.now,
): RequestHandler {
  let lastDownWarning = 0;
  return async (req, res, next) => {
    if (rule.limit <= 0) return next();
    const at = now();
    const seconds = Math.max(1, Math.ceil((RATE_WINDOW_MS - (at % RATE_WINDOW_MS)) / 1000));
    let subject: string;
    let count: number;
    try {
      subject = await rule.subject(req);
      count = await counter.hit(`${rule.name}:${subject}`, RATE_WINDOW_MS, at);
    } catch (error) {
      if (at - lastDownWarning > 10_000) {
        lastDownWarning = at;
        logger.warn(
          { limit: rule.name, err: error },
          `rate limit counter unreachable: ${rule.name} ${rule.whenCounterDown === 'open' ? 'allowed' : 'refused'}`,
        );
      }
      if (rule.whenCounterDown === 'open') return next();
      refuse(
        req,
        res,
        503,
        'unavailable',
        'Chatref cannot open right now. Please wait a moment and open it again from your course.',
        30,
      );
      return;
    }
    if (count <= rule.limit) return next();
    if (count === rule.limit + 1)
      logger.warn({ limit: rule.name, subject, perMinute: rule.limit }, 'rate limited');
    refuse(req, res, 429, 'rate_limited', rule.message(seconds), seconds);
  };
}

const wait = (seconds: number) => `${seconds} second${seconds === 1 ? '' : 's'}`;

/** The three limits the web process applies, from the settings. */
export function rateRules(config: Config): Record<RateRule['name'], RateRule> {
  const secret = config.LTI_ENCRYPTION_KEY;
  return {
    launch: {
      name: 'launch',
      limit: config.RATE_LIMIT_LAUNCH_PER_MINUTE,
      whenCounterDown: 'closed',
      subject: async (req) => `ip:${req.ip ?? 'unknown'}`,
      message: (seconds) =>
        `Chatref is being opened very often from your network. Please wait ${wait(seconds)} and open it again from your course.`,
    },
    chat: {
      name: 'chat',
      limit: config.RATE_LIMIT_CHAT_PER_MINUTE,
      whenCounterDown: 'open',
      subject: (req) => callerOf(req, secret),
      message: (seconds) =>
        `You are sending messages faster than the assistant can answer. Please wait ${wait(seconds)} and send it again.`,
    },
    api: {
      name: 'api',
      limit: config.RATE_LIMIT_API_PER_MINUTE,
      whenCounterDown: 'open',
      subject: (req) => callerOf(req, secret),
      message: (seconds) => `Too many requests in a short time. Please wait ${wait(seconds)} and try again.`,
    },
  };
}
