import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { connectRedis, createRedis } from '../../src/redis/connection.js';
import { quietLogger, testServices } from '../support/services.js';
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

  it('a connection opened with connectRedis takes its first command at once; a bare producer would refuse it', async () => {
    const { redisUrl } = await testServices();
    const bare = createRedis(redisUrl, 'producer', quietLogger);
    try {
      // What a caller that does not wait meets: the command fails instead of waiting for the socket.
      const early = await bare.ping().then(
        () => 'answered',
        (error: Error) => error.message,
      );
      expect(early).to.match(/Stream isn't writeable/);
    } finally {
      bare.disconnect();
    }
    const connected = await connectRedis(redisUrl, 'producer', quietLogger);
    try {
      expect(await connected.ping()).to.equal('PONG');
    } finally {
      connected.disconnect();
    }
  });

  it('connectRedis gives up with a message naming the server when Redis never answers', async () => {
    const vacant = createServer();
    vacant.listen(0, '127.0.0.1');
    await once(vacant, 'listening');
    const { port } = vacant.address() as { port: number };
    vacant.close();
    await once(vacant, 'close');
    const failure = await connectRedis(`redis://127.0.0.1:${port}`, 'producer', quietLogger, 300).then(
      () => null,
      (error: Error) => error.message,
    );
    expect(failure).to.equal(`Redis at redis://127.0.0.1:${port} (producer) was not ready within 300 ms`);
  });
});
