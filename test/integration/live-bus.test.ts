import { expect } from 'chai';
import { Redis } from 'ioredis';
import { startTestApp, type TestApp } from '../support/app.js';
import { testServices } from '../support/services.js';

interface Client {
  id: string;
  subscriptions: number;
}

/** Every client Redis knows of, with how many channels and patterns it listens to. */
async function clients(redis: Redis): Promise<Client[]> {
  const list = (await redis.client('LIST')) as string;
  return list
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const field = (name: string) => Number(new RegExp(`\\b${name}=(\\d+)`).exec(line)?.[1] ?? 0);
      return { id: String(field('id')), subscriptions: field('sub') + field('psub') };
    });
}

describe('the live bus of a web process', () => {
  let probe: Redis;
  let app: TestApp | undefined;

  before(async () => {
    probe = new Redis((await testServices()).redisUrl);
  });

  after(async () => {
    await app?.stop();
    probe.disconnect();
  });

  it('listens to stored events, transient signals, presence and knowledge changes on one Redis connection', async () => {
    const before = new Set((await clients(probe)).map((c) => c.id));
    app = await startTestApp();
    const opened = (await clients(probe)).filter((c) => !before.has(c.id));
    const listening = opened.filter((c) => c.subscriptions > 0);
    // Printed for the record: the web process's connections, and how many of them are pub/sub listeners.
    console.log(`      web process: ${opened.length} Redis connections, ${listening.length} subscriber(s)`);
    expect(listening).to.have.length(1);
    expect(listening[0]?.subscriptions).to.equal(4);
  });
});
