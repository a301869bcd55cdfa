import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Runs `work` holding a Redis lock (`SET NX PX`, released only by its holder). When another holds it,
 * waits up to `waitMs` (none by default) in short jittered steps, then throws `busy` without running
 * `work`: a job that throws is retried by BullMQ after a backoff, by when the holder is done. The lock
 * expires after `holdMs`, so a crashed holder frees it.
 */
export async function withJobLock<T>(
  redis: Redis,
  key: string,
  options: { holdMs: number; busy: string; waitMs?: number },
  work: () => Promise<T>,
): Promise<T> {
  const token = `${process.pid}-${randomUUID()}`;
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (let attempt = 0; (await redis.set(key, token, 'PX', options.holdMs, 'NX')) !== 'OK'; attempt++) {
    if (Date.now() >= deadline) throw new Error(options.busy);
    await sleep(Math.min(5 + attempt * 5, 50) + Math.random() * 5);
  }
  try {
    return await work();
  } finally {
    await redis.eval(RELEASE, 1, key, token);
  }
}
