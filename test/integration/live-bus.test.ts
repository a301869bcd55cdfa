import { expect } from 'chai';
import { Redis } from 'ioredis';
import { LIVE_TOPICS, type LiveTopic } from '../../src/live/live-bus.js';
import { RedisLiveBus } from '../../src/live/redis-live-bus.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { quietLogger, testServices } from '../support/services.js';
import { readyRedis } from './conversations-support.js';

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

  it('listens to stored events, transient signals, presence, knowledge and settings changes on one Redis connection', async () => {
    const before = new Set((await clients(probe)).map((c) => c.id));
    app = await startTestApp();
    const opened = (await clients(probe)).filter((c) => !before.has(c.id));
    const listening = opened.filter((c) => c.subscriptions > 0);
    // Printed for the record: the web process's connections, and how many of them are pub/sub listeners.
    console.log(`      web process: ${opened.length} Redis connections, ${listening.length} subscriber(s)`);
    expect(listening).to.have.length(1);
    expect(listening[0]?.subscriptions).to.equal(LIVE_TOPICS.length);
    expect(LIVE_TOPICS).to.include.members(['events', 'transient', 'presence', 'knowledge', 'settings']);
  });

  it('hands each message to the listeners of its topic only, in every process', async () => {
    const { redisUrl, redisPrefix } = await testServices();
    const publisher = await readyRedis(redisUrl, 'producer');
    const bus = async () =>
      new RedisLiveBus({
        publisher,
        subscriber: await readyRedis(redisUrl, 'subscriber'),
        prefix: `${redisPrefix}-routing`,
        logger: quietLogger,
      });
    const [one, two] = await Promise.all([bus(), bus()]);
    await Promise.all([one.start(), two.start()]);
    try {
      const heard: [process: string, topic: LiveTopic, payload: string][] = [];
      for (const [name, listening] of [
        ['one', one],
        ['two', two],
      ] as const)
        for (const topic of LIVE_TOPICS)
          listening.subscribe(topic, (payload) => heard.push([name, topic, payload]));
      for (const topic of LIVE_TOPICS)
        await one.publish(one.channel(topic, 'tenant-1'), `a ${topic} message`);
      const expected = ['one', 'two'].flatMap((name) =>
        LIVE_TOPICS.map((topic) => [name, topic, `a ${topic} message`]),
      );
      await eventually(() => heard.length >= expected.length, 'every message in both processes', 3000);
      expect([...heard].sort()).to.deep.equal(expected.sort());
    } finally {
      await one.close();
      await two.close();
      await publisher.quit();
    }
  });
});
