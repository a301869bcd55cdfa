import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { AppError } from '../../src/lib/errors.js';
import { ConversationLocks } from '../../src/storage/conversations/thread-lock.js';
import { eventually } from '../support/eventually.js';
import { testServices } from '../support/services.js';
import { newId, readyRedis } from './conversations-support.js';

/** A one-shot signal: `open()` once, `opened` resolves then. */
function latch(): { open: () => void; opened: Promise<void> } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

/**
 * The connection with its lock requests (`set … NX`) and renewals (`eval`) counted, so a test can wait
 * until a writer has really asked for a held lock, or a holder has really renewed it, instead of sleeping.
 */
function counted(redis: Redis): { redis: Redis; sets: () => number; evals: () => number } {
  let sets = 0;
  let evals = 0;
  const proxy = new Proxy(redis, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (property === 'set') sets += 1;
        if (property === 'eval') evals += 1;
        return value.apply(target, args);
      };
    },
  });
  return { redis: proxy, sets: () => sets, evals: () => evals };
}

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
    const id = newId();
    const steps: string[] = [];
    const firstIn = latch();
    const letFirstEnd = latch();
    const first = new ConversationLocks(redis, prefix).withLock(id, async () => {
      steps.push('first starts');
      firstIn.open();
      await letFirstEnd.opened;
      steps.push('first ends');
    });
    await firstIn.opened;
    const asking = counted(redis);
    const second = new ConversationLocks(asking.redis, prefix).withLock(id, async () => {
      steps.push('second starts');
      steps.push('second ends');
    });
    // The first holds the lock until the second has asked for it and been refused at least once.
    await eventually(() => asking.sets() >= 2, 'the second writer to be refused once');
    letFirstEnd.open();
    await Promise.all([first, second]);
    expect(steps).to.deep.equal(['first starts', 'first ends', 'second starts', 'second ends']);
  });

  it('the read sent with the lock request shows what the previous holder wrote, from another connection too', async () => {
    const other = await readyRedis((await testServices()).redisUrl, 'producer');
    try {
      const id = newId();
      const copy = `${prefix}:copy:${id}`;
      await redis.set(copy, 'before');
      const firstIn = latch();
      const letFirstWrite = latch();
      const asking = counted(redis);
      const first = new ConversationLocks(other, prefix);
      const second = new ConversationLocks(asking.redis, prefix);
      const seen: Array<string | null | undefined> = [];
      const writing = first.withLock(id, async () => {
        firstIn.open();
        await letFirstWrite.opened;
        await other.set(copy, 'written by the first holder');
      });
      await firstIn.opened;
      const reading = second.withLock(
        id,
        async (readAtLock) => {
          seen.push(await readAtLock);
        },
        () => redis.get(copy),
      );
      // The second's first request (and its read) went out while the first held the lock.
      await eventually(() => asking.sets() >= 2, 'the second writer to be refused once');
      letFirstWrite.open();
      await Promise.all([writing, reading]);
      expect(seen).to.deep.equal(['written by the first holder']);
    } finally {
      other.disconnect();
    }
  });

  it('a writer slower than the lock lifetime keeps the lock: nobody else gets in meanwhile', async () => {
    // The slow writer holds the lock until it has been renewed 12 times (every third of its 300 ms
    // lifetime: four lifetimes over), counted on its connection rather than timed; without renewal it
    // would have lapsed.
    const holding = counted(redis);
    const slowLocks = new ConversationLocks(holding.redis, prefix, { ttlMs: 300, waitMs: 30_000 });
    const otherLocks = new ConversationLocks(redis, prefix, { ttlMs: 300, waitMs: 30_000 });
    const id = newId();
    const slowIn = latch();
    let slowDone = false;
    let otherSawSlowDone: boolean | undefined;
    const slow = slowLocks.withLock(id, async () => {
      slowIn.open();
      await eventually(() => holding.evals() >= 12, 'twelve renewals');
      slowDone = true;
    });
    await slowIn.opened;
    await otherLocks.withLock(id, async () => {
      otherSawSlowDone = slowDone;
    });
    await slow;
    expect(otherSawSlowDone).to.equal(true);
  });

  it('a writer that cannot get the lock in time is told the conversation is busy', async () => {
    const locks = new ConversationLocks(redis, prefix, { waitMs: 100 });
    const id = newId();
    const holderIn = latch();
    const letHolderGo = latch();
    const holder = locks.withLock(id, async () => {
      holderIn.open();
      await letHolderGo.opened;
    });
    await holderIn.opened;
    const refused = await locks.withLock(id, async () => 'ran').catch((error: unknown) => error);
    letHolderGo.open();
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
