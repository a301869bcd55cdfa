import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import type { Actor } from '../../src/conversations/conversation.types.js';
import type { AnyDomainEvent } from '../../src/events/catalog.js';
import { liveChannel } from '../../src/live/live-bus.js';
import { LiveHub } from '../../src/live/live-hub.js';
import { RedisLiveBus } from '../../src/live/redis-live-bus.js';
import type { LiveFilter } from '../../src/live/visibility.js';
import { appendToLog } from '../support/event-log.js';
import { quietLogger, testServices } from '../support/services.js';
import {
  type DomainHarness,
  newId,
  readyRedis,
  startDomain,
  systemLineEvent,
} from './conversations-support.js';

/** Resolves when `predicate` holds, polling; fails after `timeoutMs`. */
async function until(predicate: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('live updates across web processes (Redis pub/sub + event store)', () => {
  // "Process A" writes (its own producer connection, bus and service); hubs A and B each listen on their
  // own live bus (one subscriber connection each), as two web processes would.
  let a: DomainHarness;
  let busA: RedisLiveBus;
  let busB: RedisLiveBus;
  let subscriberB: Redis;
  let hubA: LiveHub;
  let hubB: LiveHub;
  let redisUrl: string;

  before(async () => {
    a = await startDomain();
    ({ redisUrl } = await testServices());
    const liveBus = async (subscriber: Redis) =>
      new RedisLiveBus({
        publisher: await readyRedis(redisUrl, 'producer'),
        subscriber,
        prefix: a.prefix,
        logger: quietLogger,
      });
    subscriberB = await readyRedis(redisUrl, 'subscriber');
    [busA, busB] = await Promise.all([
      liveBus(await readyRedis(redisUrl, 'subscriber')),
      liveBus(subscriberB),
    ]);
    hubA = new LiveHub({ bus: busA, store: a.store, logger: quietLogger });
    // Long enough that an event held for an earlier one is still held when the test looks (below), on a
    // loaded machine too; short enough for the gap test to wait it out.
    hubB = new LiveHub({ bus: busB, store: a.store, logger: quietLogger, gapWaitMs: 1000 });
    hubA.start();
    hubB.start();
    await Promise.all([busA.start(), busB.start()]);
  });

  after(async () => {
    hubA?.close();
    hubB?.close();
    await busA?.close();
    await busB?.close();
    await a?.close();
  });

  const learnerOf = (): Actor => ({ userId: newId(), role: 'learner', name: 'Lea' });

  it('a message posted through one process reaches a client subscribed on the other', async () => {
    const tenantId = newId();
    const learner = learnerOf();
    const { conversation } = await a.service.openOrContinue({ tenantId, actor: learner, courseId: newId() });
    const received: AnyDomainEvent[] = [];
    const inbox: AnyDomainEvent[] = [];
    // Only messages: the "opened" event may still be on its way when the clients register.
    const reg = hubB.register(
      { tenantId, audience: 'learner', conversationId: conversation.id, userId: learner.userId },
      (event) => event.name === 'message.posted' && received.push(event),
    );
    const inboxReg = hubB.register(
      { tenantId, audience: 'inbox' },
      (event) => event.name === 'message.posted' && inbox.push(event),
    );
    await a.service.postLearnerMessage({
      tenantId,
      actor: learner,
      conversationId: conversation.id,
      clientId: 'm1',
      text: 'How do I see my grades?',
    });
    await until(() => received.length === 1 && inbox.length === 1, 15_000, 'the message on process B');
    expect(received[0]).to.deep.include({
      name: 'message.posted',
      tenantId,
      conversationId: conversation.id,
    });
    expect(received[0]?.name === 'message.posted' && received[0].payload.message.text).to.equal(
      'How do I see my grades?',
    );
    reg.close();
    inboxReg.close();
  });

  it('a reconnect with the last event id replays exactly the missed events, then continues live', async () => {
    const tenantId = newId();
    const learner = learnerOf();
    const { conversation } = await a.service.openOrContinue({ tenantId, actor: learner });
    const filter: LiveFilter = {
      tenantId,
      audience: 'learner',
      conversationId: conversation.id,
      userId: learner.userId,
    };
    const say = (n: number) =>
      a.service.postLearnerMessage({
        tenantId,
        actor: learner,
        conversationId: conversation.id,
        clientId: `r${n}`,
        text: `message ${n}`,
      });

    const first: AnyDomainEvent[] = [];
    const before = hubB.register(filter, (event) => event.name === 'message.posted' && first.push(event));
    await say(1);
    await say(2);
    await until(() => first.length === 2, 15_000, 'the first two messages');
    before.close(); // the connection drops
    const lastEventId = first.at(-1)?.seq ?? 0;

    await say(3); // missed while disconnected
    await say(4);

    const second: AnyDomainEvent[] = [];
    const resumed = hubA.register(filter, (event) => second.push(event), { lastEventId });
    // Messages racing with the replay must neither be lost nor delivered twice.
    const racing = [say(5), say(6)];
    await resumed.ready;
    await Promise.all(racing);
    await say(7);
    // A marker posted last: a duplicate of anything before it (replayed and also heard live) would be
    // delivered before it, so once it is here nothing more can come.
    await say(8);
    const text = (e: AnyDomainEvent) => (e.name === 'message.posted' ? e.payload.message.text : e.name);
    await until(() => second.some((e) => text(e) === 'message 8'), 15_000, 'the marker after the race');
    const texts = second.map(text);
    expect(texts.slice(0, 2)).to.deep.equal(['message 3', 'message 4']);
    expect(texts.at(-1)).to.equal('message 8');
    expect([...texts].sort()).to.deep.equal([
      'message 3',
      'message 4',
      'message 5',
      'message 6',
      'message 7',
      'message 8',
    ]);
    const seqs = second.map((e) => e.seq);
    expect(new Set(seqs).size).to.equal(seqs.length);
    expect(seqs).to.deep.equal([...seqs].sort((x, y) => x - y));
    expect(Math.min(...seqs)).to.be.greaterThan(lastEventId);
    resumed.close();
  });

  it('never sends learners notes, triage or other threads, and strips staff-only fields', async () => {
    const tenantId = newId();
    const learner = learnerOf();
    const admin: Actor = { userId: newId(), role: 'admin', name: 'Ada' };
    const other = learnerOf();
    const { conversation } = await a.service.openOrContinue({ tenantId, actor: learner });
    const { conversation: otherConversation } = await a.service.openOrContinue({ tenantId, actor: other });
    const learnerEvents: AnyDomainEvent[] = [];
    const staffEvents: AnyDomainEvent[] = [];
    const l = hubB.register(
      { tenantId, audience: 'learner', conversationId: conversation.id, userId: learner.userId },
      (e) => learnerEvents.push(e),
    );
    const s = hubB.register({ tenantId, audience: 'staff', conversationId: conversation.id }, (e) =>
      staffEvents.push(e),
    );
    await a.service.requestHandoff({ tenantId, actor: learner, conversationId: conversation.id });
    await a.service.addNote({
      tenantId,
      actor: admin,
      conversationId: conversation.id,
      clientId: 'note-1',
      text: 'internal only',
    });
    await a.service.postLearnerMessage({
      tenantId,
      actor: other,
      conversationId: otherConversation.id,
      clientId: 'x',
      text: 'someone else',
    });
    await until(
      () => staffEvents.some((e) => e.name === 'note.added'),
      15_000,
      'the note on the staff channel',
    );
    // A public marker line in the learner's thread, after the note and the other thread's message: the
    // tenant's events reach clients in order, so once the learner has it, they were already filtered out.
    const marker = await a.bus.emit(
      systemLineEvent({ tenantId, conversationId: conversation.id, userId: learner.userId }, 'marker'),
    );
    await until(
      () => learnerEvents.some((e) => e.seq === marker.seq),
      15_000,
      'the marker on the learner channel',
    );
    // ("opened" may arrive after registering: it is published just before.)
    const seen = learnerEvents
      .filter((e) => e.seq !== marker.seq)
      .map((e) => e.name)
      .filter((n) => n !== 'conversation.opened');
    expect(seen).to.deep.equal(['conversation.handed_off', 'message.posted']);
    expect(learnerEvents.every((e) => e.conversationId === conversation.id)).to.equal(true);
    const handedOff = learnerEvents[0]?.payload as unknown as Record<string, unknown>;
    expect(handedOff).to.include.keys('replyBy', 'mode', 'priority', 'from', 'to');
    expect(handedOff).to.not.have.any.keys('reasons', 'notify', 'summary', 'category');
    const staffHandedOff = staffEvents.find((e) => e.name === 'conversation.handed_off')
      ?.payload as unknown as Record<string, unknown>;
    expect(staffHandedOff).to.include.keys('reasons', 'summary');
    // The same rules apply to replay.
    const replay = (
      await hubA.replaySince(tenantId, 0, {
        tenantId,
        audience: 'learner',
        conversationId: conversation.id,
        userId: learner.userId,
      })
    ).filter((e) => e.seq !== marker.seq);
    expect(replay.map((e) => e.name)).to.deep.equal([
      'conversation.opened',
      'conversation.handed_off',
      'message.posted',
    ]);
    expect(replay.some((e) => JSON.stringify(e).includes('internal only'))).to.equal(false);
    l.close();
    s.close();
  });

  it('puts events published out of order back in order, and fills a gap from the store', async () => {
    const tenantId = newId();
    const conversationId = newId();
    const userId = newId();
    const publisher: Redis = await readyRedis(redisUrl, 'producer');
    const stored: AnyDomainEvent[] = [];
    const base = (text: string) => systemLineEvent({ tenantId, conversationId, userId }, text);
    // Stored in order but not yet published, as when writers race.
    for (const text of ['one', 'two', 'three', 'four']) stored.push(await appendToLog(a.store, base(text)));
    const received: number[] = [];
    const reg = hubB.register({ tenantId, audience: 'staff', conversationId }, (e) => received.push(e.seq));
    const publish = (event: AnyDomainEvent) =>
      publisher.publish(liveChannel(a.prefix, 'events', tenantId), JSON.stringify(event));
    await publish(stored[0]!);
    await until(() => received.length === 1, 15_000, 'the first event');
    await publish(stored[2]!); // ahead of "two"
    // A marker for another tenant, published after "three" on the same connection: Redis hands the
    // subscriber both in that order, so once the marker is delivered, "three" has been seen (and held).
    const otherTenant = newId();
    const markers: number[] = [];
    const markerReg = hubB.register({ tenantId: otherTenant, audience: 'staff', conversationId }, (e) =>
      markers.push(e.seq),
    );
    const marker = await appendToLog(
      a.store,
      systemLineEvent({ tenantId: otherTenant, conversationId, userId }, 'marker'),
    );
    await publisher.publish(liveChannel(a.prefix, 'events', otherTenant), JSON.stringify(marker));
    await until(() => markers.length === 1, 15_000, 'the marker of another tenant');
    markerReg.close();
    expect(received).to.deep.equal([stored[0]!.seq]);
    await publish(stored[1]!);
    await until(() => received.length === 3, 15_000, 'the reordered events');
    expect(received).to.deep.equal([stored[0]!.seq, stored[1]!.seq, stored[2]!.seq]);
    // A publish that never comes ("four" is stored but lost on the way): "five" waits briefly, then the
    // hub reads the missing one from the store.
    const five = await appendToLog(a.store, base('five'));
    await publish(five);
    await until(() => received.length === 5, 15_000, 'the gap filled from the store');
    expect(received).to.deep.equal(stored.map((e) => e.seq).concat(five.seq));
    reg.close();
    await publisher.quit();
  });

  it('after its Redis connection comes back, reads from the store what was published while it was away', async () => {
    const tenantId = newId();
    const conversationId = newId();
    const userId = newId();
    const received: string[] = [];
    const reg = hubB.register({ tenantId, audience: 'staff', conversationId }, (e) =>
      received.push(e.name === 'message.posted' ? e.payload.message.text : e.name),
    );
    const line = (text: string) => systemLineEvent({ tenantId, conversationId, userId }, text);
    await a.bus.emit(line('before'));
    await until(() => received.length === 1, 15_000, 'the line before the drop');
    // Stored (and in the replay log) but never heard: as when it is published while the connection is down.
    const missed = await a.store.record(line('while away'));
    await a.store.addToLog([missed.event]);
    const ready = once(subscriberB, 'ready');
    subscriberB.disconnect(true);
    await ready;
    await until(() => received.length === 2, 15_000, 'the line missed while away');
    await a.bus.emit(line('after'));
    await until(() => received.length === 3, 15_000, 'the line after the reconnect');
    expect(received).to.deep.equal(['before', 'while away', 'after']);
    reg.close();
  });

  it('holds 10,000 idle subscriptions in one process cheaply, each hearing its own thread', async function () {
    this.timeout(30_000);
    const tenantId = newId();
    const heard = new Map<number, number>();
    // What registering costs (time, heap) is measured by `npm run bench -- in-process`, not asserted here.
    const registrations = Array.from({ length: 10_000 }, (_, i) =>
      hubA.register({ tenantId, audience: 'learner', conversationId: `c${i % 5000}`, userId: `u${i}` }, () =>
        heard.set(i, (heard.get(i) ?? 0) + 1),
      ),
    );
    // A public line in every client's thread, for its learner: each client hears exactly its own.
    const line = (seq: number, i: number) =>
      JSON.stringify({
        seq,
        tenantId,
        name: 'message.posted',
        conversationId: `c${i % 5000}`,
        userId: `u${i}`,
        visibility: 'public',
        actor: { role: 'system' },
        at: new Date().toISOString(),
        payload: { message: { id: `m${i}`, text: `line ${i}`, internal: false } },
      });
    const channel = liveChannel(a.prefix, 'events', tenantId);
    const errors = await busA.publishAll(Array.from({ length: 10_000 }, (_, i) => [channel, line(i + 1, i)]));
    expect(errors.filter(Boolean)).to.deep.equal([]);
    await until(() => heard.size === 10_000, 20_000, 'every client hearing its line');
    expect([...heard.values()].every((n) => n === 1)).to.equal(true);
    for (const r of registrations) r.close();
    // Closed clients hear nothing more: a client registered afterwards hears the next line, they do not.
    const after: AnyDomainEvent[] = [];
    const inbox = hubA.register({ tenantId, audience: 'inbox' }, (event) => after.push(event));
    await busA.publish(channel, line(10_001, 0));
    await until(() => after.length === 1, 15_000, 'the line after closing');
    expect(heard.get(0)).to.equal(1);
    inbox.close();
  });
});
