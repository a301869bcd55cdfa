import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { ConversationLocks } from '../../src/storage/conversations/thread-lock.js';
import { AppError } from '../../src/lib/errors.js';
import { testServices } from '../support/services.js';
import { newId, readyRedis } from './conversations-support.js';

describe('one writer per conversation at a time (Redis lock)', () => {
  let redis: Redis;
  let prefix: string;

  before(async () => {
    const services = await testServices();
    redis = await readyRedis(services.redisUrl, 'producer');
    prefix = `${services.redisPrefix}:locks`;
  });

  after(() => redis.disconnect());

  it('two writers of one thread take turns: the second starts after the first has finished', async () => {
    const locks = new ConversationLocks(redis, prefix);
    const id = newId();
    const steps: string[] = [];
    const writer = (name: string) =>
      locks.withLock(id, async () => {
        steps.push(`${name} starts`);
        await sleep(50);
        steps.push(`${name} ends`);
      });
    await Promise.all([writer('first'), writer('second')]);
    expect(steps).to.deep.equal(['first starts', 'first ends', 'second starts', 'second ends']);
  });

  it('the read sent with the lock request shows what the previous holder wrote, from another connection too', async () => {
    const other = await readyRedis((await testServices()).redisUrl, 'producer');
    try {
      const id = newId();
      const copy = `${prefix}:copy:${id}`;
      await redis.set(copy, 'before');
      const first = new ConversationLocks(other, prefix);
      const second = new ConversationLocks(redis, prefix);
      const seen: Array<string | null | undefined> = [];
      const writing = first.withLock(id, async () => {
        await sleep(60);
        await other.set(copy, 'written by the first holder');
      });
      await sleep(10);
      await second.withLock(
        id,
        async (readAtLock) => {
          seen.push(await readAtLock);
        },
        () => redis.get(copy),
      );
      await writing;
      expect(seen).to.deep.equal(['written by the first holder']);
    } finally {
      other.disconnect();
    }
  });

  it('a writer slower than the lock lifetime keeps the lock: nobody else gets in meanwhile', async () => {
    // A lifetime of 150 ms and work of 600 ms: without renewal the lock would lapse four times over.
    const locks = new ConversationLocks(redis, prefix, { ttlMs: 150, waitMs: 2000 });
    const id = newId();
    let slowDone = false;
    let otherSawSlowDone: boolean | undefined;
    const slow = locks.withLock(id, async () => {
      await sleep(600);
      slowDone = true;
    });
    await sleep(20);
    await locks.withLock(id, async () => {
      otherSawSlowDone = slowDone;
    });
    await slow;
    expect(otherSawSlowDone).to.equal(true);
  });

  it('a writer that cannot get the lock in time is told the conversation is busy', async () => {
    const locks = new ConversationLocks(redis, prefix, { waitMs: 100 });
    const id = newId();
    const holder = locks.withLock(id, () => sleep(400));
    await sleep(20);
    const refused = await locks.withLock(id, async () => 'ran').catch((error: unknown) => error);
    await holder;
    expect(refused).to.be.instanceOf(AppError);
    expect((refused as AppError).code).to.equal('conflict');
    expect((refused as AppError).message).to.match(/busy/);
  });

  it('the lock is gone once its work ends, even when the work failed', async () => {
    const locks = new ConversationLocks(redis, prefix, { waitMs: 50 });
    const id = newId();
    await locks.withLock(id, async () => Promise.reject(new Error('boom'))).catch(() => undefined);
    expect(await locks.withLock(id, async () => 'next writer')).to.equal('next writer');
  });
});
