import type { Socket } from 'node:net';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { testServices } from '../support/services.js';
import { readyRedis } from './conversations-support.js';

/** Counts the writes a connection's socket hands to the operating system. */
function countWrites(redis: Redis): () => number {
  const socket = (redis as unknown as { stream: Socket & Record<string, unknown> }).stream;
  let writes = 0;
  for (const method of ['_write', '_writev'] as const) {
    const original = socket[method] as (...args: unknown[]) => unknown;
    socket[method] = (...args: unknown[]) => {
      writes += 1;
      return original.apply(socket, args);
    };
  }
  return () => writes;
}

describe("web requests' Redis connection", () => {
  let redis: Redis;
  let prefix: string;

  before(async () => {
    const services = await testServices();
    redis = await readyRedis(services.redisUrl, 'producer');
    prefix = `${services.redisPrefix}:coalesce`;
  });

  after(() => redis.disconnect());

  it('sends the commands of one moment in one write, each answered in the order it was sent', async () => {
    const writes = countWrites(redis);
    const key = `${prefix}:counter`;
    const replies = await Promise.all(Array.from({ length: 20 }, () => redis.incr(key)));
    expect(replies).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(writes()).to.equal(1);
    // A command issued after the answer goes out on its own, as soon as it is issued.
    expect(await redis.get(key)).to.equal('20');
    expect(writes()).to.equal(2);
  });

  it('keeps a put ahead of the publish behind it when neither waits for the other', async () => {
    const watcher = await readyRedis((await testServices()).redisUrl, 'subscriber');
    try {
      const key = `${prefix}:doc`;
      const channel = `${prefix}:told`;
      await watcher.subscribe(channel);
      const seen = new Promise<string | null>((resolve) =>
        watcher.once('message', () => void redis.get(key).then(resolve)),
      );
      void redis.set(key, 'v2');
      void redis.publish(channel, 'written');
      expect(await seen).to.equal('v2');
    } finally {
      watcher.disconnect();
    }
  });
});
