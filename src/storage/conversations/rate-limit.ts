import type { Redis } from 'ioredis';

/** The outcome of counting one action against a limit. */
export interface RateLimitResult {
  allowed: boolean;
  count: number;
  /** Seconds until the current window ends (when refused, when to try again). */
  retryAfterSeconds: number;
}

/**
 * Fixed-window counter in Redis, shared by every web process: one INCR (and an EXPIRE on the first hit)
 * per action. Windows are aligned to the clock, so the key names the window and old keys simply expire.
 */
export async function hitRateLimit(
  redis: Redis,
  key: string,
  limit: number,
  windowSeconds: number,
  now = Date.now(),
): Promise<RateLimitResult> {
  const window = Math.floor(now / 1000 / windowSeconds);
  const windowKey = rateWindowKey(key, windowSeconds, now);
  const results = await redis
    .multi()
    .incr(windowKey)
    .expire(windowKey, windowSeconds + 1, 'NX')
    .exec();
  const count = Number(results?.[0]?.[1] ?? 0);
  const retryAfterSeconds = Math.max(1, Math.ceil((window + 1) * windowSeconds - now / 1000));
  return { allowed: count <= limit, count, retryAfterSeconds };
}

/** The Redis key counting `key` in the window containing `now`. */
function rateWindowKey(key: string, windowSeconds: number, now = Date.now()): string {
  return `${key}:${Math.floor(now / 1000 / windowSeconds)}`;
}

/** Gives back one counted action (a retry that turned out to change nothing). */
export async function refundRateLimit(redis: Redis, key: string, windowSeconds: number, now = Date.now()) {
  await redis.decr(rateWindowKey(key, windowSeconds, now));
}
