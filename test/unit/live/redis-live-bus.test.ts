import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { LIVE_TOPICS, type LiveTopic, liveChannel, livePattern } from '../../../src/live/live-bus.js';
import { RedisLiveBus } from '../../../src/live/redis-live-bus.js';

/** A subscriber connection that records its pattern subscriptions and lets the test deliver messages. */
class FakeSubscriber extends EventEmitter {
  psubscribeCalls: string[][] = [];
  quitted = false;
  async psubscribe(...patterns: string[]) {
    this.psubscribeCalls.push(patterns);
    return patterns.length;
  }
  async punsubscribe() {
    return 0;
  }
  async quit() {
    this.quitted = true;
    return 'OK';
  }
  disconnect() {}
  /** Redis delivering `payload`, published on `channel`, matched by `pattern`. */
  deliver(pattern: string, channel: string, payload: string) {
    this.emit('pmessage', pattern, channel, payload);
  }
}

/** A publisher that records what it published, alone or in a pipeline. */
class FakePublisher {
  published: [string, string][] = [];
  failing = false;
  async publish(channel: string, payload: string) {
    if (this.failing) throw new Error('Redis is down');
    this.published.push([channel, payload]);
    return 1;
  }
  pipeline() {
    const queued: [string, string][] = [];
    const pipeline = {
      publish: (channel: string, payload: string) => {
        queued.push([channel, payload]);
        return pipeline;
      },
      exec: async () => {
        if (this.failing) throw new Error('Redis is down');
        this.published.push(...queued);
        return queued.map(() => [null, 1]);
      },
    };
    return pipeline;
  }
}

const prefix = 'unit';

function busWithFakes() {
  const subscriber = new FakeSubscriber();
  const publisher = new FakePublisher();
  const bus = new RedisLiveBus({
    publisher: publisher as unknown as Redis,
    subscriber: subscriber as unknown as Redis,
    prefix,
  });
  return { bus, subscriber, publisher };
}

describe('RedisLiveBus: one subscriber connection, one fan-out by topic', () => {
  it('subscribes to every topic in one command, once however often it is started', async () => {
    const { bus, subscriber } = busWithFakes();
    await Promise.all([bus.start(), bus.start()]);
    await bus.start();
    expect(subscriber.psubscribeCalls).to.deep.equal([LIVE_TOPICS.map((t) => livePattern(prefix, t))]);
  });

  it("hands a message only to its topic's listeners, and a failing listener does not stop the others", async () => {
    const { bus, subscriber } = busWithFakes();
    await bus.start();
    const heard: [LiveTopic, string][] = [];
    bus.subscribe('transient', () => {
      throw new Error('a broken listener');
    });
    for (const topic of LIVE_TOPICS) bus.subscribe(topic, (payload) => heard.push([topic, payload]));
    for (const topic of LIVE_TOPICS)
      subscriber.deliver(livePattern(prefix, topic), liveChannel(prefix, topic, 't1'), `${topic}!`);
    subscriber.deliver(`${prefix}:unknown:*`, `${prefix}:unknown:t1`, 'nobody listens');
    expect(heard).to.deep.equal(LIVE_TOPICS.map((topic) => [topic, `${topic}!`]));
  });

  it('stops handing messages to a listener that stopped listening, and to none once closed', async () => {
    const { bus, subscriber } = busWithFakes();
    await bus.start();
    const heard: string[] = [];
    const stop = bus.subscribe('events', (payload) => heard.push(payload));
    subscriber.deliver(livePattern(prefix, 'events'), liveChannel(prefix, 'events', 't1'), 'one');
    stop();
    subscriber.deliver(livePattern(prefix, 'events'), liveChannel(prefix, 'events', 't1'), 'two');
    bus.subscribe('events', (payload) => heard.push(payload));
    await bus.close();
    subscriber.deliver(livePattern(prefix, 'events'), liveChannel(prefix, 'events', 't1'), 'three');
    expect(heard).to.deep.equal(['one']);
    expect(subscriber.quitted).to.equal(true);
  });

  it('tells ready listeners when the connection is (again) ready, so they read what they missed', async () => {
    const { bus, subscriber } = busWithFakes();
    await bus.start();
    let ready = 0;
    bus.onReady(() => ready++);
    subscriber.emit('ready');
    subscriber.emit('ready');
    expect(ready).to.equal(2);
  });

  it('publishes on the topic channel; a lost publish never throws, and publishAll says which failed', async () => {
    const { bus, publisher } = busWithFakes();
    await bus.publish(bus.channel('transient', 't1'), 'token');
    expect(
      await bus.publishAll([
        [bus.channel('events', 't1'), 'e1'],
        [bus.channel('events', 't2'), 'e2'],
      ]),
    ).to.deep.equal([null, null]);
    expect(publisher.published).to.deep.equal([
      [`${prefix}:transient:t1`, 'token'],
      [`${prefix}:events:t1`, 'e1'],
      [`${prefix}:events:t2`, 'e2'],
    ]);
    publisher.failing = true;
    await bus.publish(bus.channel('presence', 't1'), 'lost');
    const errors = await bus.publishAll([[bus.channel('events', 't1'), 'e3']]);
    expect(errors[0]).to.be.instanceOf(Error);
  });
});
