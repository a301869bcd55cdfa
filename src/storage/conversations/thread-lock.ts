import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { AppError } from '../../lib/errors.js';

// Deletes the lock only if we still hold it (a lock that expired and was taken by another must survive).
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
// Extends the lock only if we still hold it.
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * A short per-conversation mutex in Redis. Why: FerretDB 1.24 (SQLite) applies `update` and
 * `findAndModify` without isolation — concurrent writers to one document lose each other's changes, and a
 * conditional update can let two writers through (measured: 50 concurrent CAS updates → 2 winners). Every
 * write to a conversation document therefore happens under this lock, on MongoDB 7 as well, so one code
 * path is right on both and writes can filter by `_id` alone (the only filter FerretDB answers from an
 * index). The lock is renewed while its work runs, so a slow database call cannot outlive it.
 */
export class ConversationLocks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly options: { ttlMs?: number; waitMs?: number } = {},
  ) {}

  /**
   * Runs `work` while holding the conversation's lock; waits a little for it, then answers "busy".
   * `readAlongside` is sent right behind each lock request on the same connection, so Redis answers it
   * after granting the lock: it sees every write of the previous holder (who wrote before releasing).
   * The read of the request that got the lock goes to `work`; the others are dropped.
   */
  async withLock<T, R = never>(
    conversationId: string,
    work: (readAtLock?: Promise<R>) => Promise<T>,
    readAlongside?: () => Promise<R>,
  ): Promise<T> {
    const key = `${this.prefix}:lock:conversation:${conversationId}`;
    const token = randomUUID();
    const ttlMs = this.options.ttlMs ?? 10_000;
    const deadline = Date.now() + (this.options.waitMs ?? 5000);
    let readAtLock: Promise<R> | undefined;
    for (let attempt = 0; ; attempt++) {
      let acquired: string | null;
      const request = this.redis.set(key, token, 'PX', ttlMs, 'NX');
      readAtLock = readAlongside?.();
      readAtLock?.catch(() => undefined);
      try {
        acquired = await request;
      } catch {
        throw new AppError(
          'unavailable',
          'The service is briefly unavailable. Please try again in a moment.',
        );
      }
      if (acquired) break;
      if (Date.now() > deadline)
        throw new AppError('conflict', 'This conversation is busy right now. Please try again.');
      // Short, jittered waits: the lock is held for a few milliseconds at a time.
      await sleep(Math.min(2 + attempt * 2, 25) + Math.random() * 3);
    }
    // Renewed while the work runs (a slow database call must not let a second writer in meanwhile).
    const renewal = setInterval(() => {
      this.redis.eval(EXTEND, 1, key, token, String(ttlMs)).catch(() => undefined);
    }, ttlMs / 3);
    renewal.unref();
    try {
      return await work(readAtLock);
    } finally {
      clearInterval(renewal);
      // Not awaited: this process's next command on the connection comes after it anyway, and another
      // process waiting for the lock gets it a moment later. The caller need not wait a round trip.
      void this.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    }
  }
}
