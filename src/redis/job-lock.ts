import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Runs `work` holding a Redis lock (`SET NX PX`, released only by its holder), or throws `busy` without
 * running it when another holds the lock: a job that throws is retried by BullMQ after a backoff, by when
 * the holder is done. The lock expires after `holdMs`, so a crashed holder frees it.
 */
export async function withJobLock<T>(
  redis: Redis,
  key: string,
  options: { holdMs: number; busy: string },
  work: () => Promise<T>,
): Promise<T> {
  const token = `${process.pid}-${randomUUID()}`;
  if ((await redis.set(key, token, 'PX', options.holdMs, 'NX')) !== 'OK') throw new Error(options.busy);
  try {
    return await work();
  } finally {
    await redis.eval(RELEASE, 1, key, token);
  }
}
