import { expect } from 'chai';
import type { Redis } from 'ioredis';
import type { StaffPresence } from '../../src/handoff/staff-presence.js';
import type { InboxPresence } from '../../src/inbox/presence.js';
import { Presence, type PresenceState } from '../../src/live/presence.js';
import { RedisLiveBus } from '../../src/live/redis-live-bus.js';
import { eventually } from '../support/eventually.js';
import { quietLogger, testServices } from '../support/services.js';
import { newId, readyRedis } from './conversations-support.js';

describe('staff presence, one store for the handoff decision and the inbox (Redis, two processes)', () => {
  // Two web processes: each its own producer connection, live bus and presence.
  let redis: Redis;
  let prefix: string;
  let busA: RedisLiveBus;
  let busB: RedisLiveBus;
  let a: Presence;
  let b: Presence;

  before(async () => {
    const services = await testServices();
    prefix = services.redisPrefix;
    redis = await readyRedis(services.redisUrl, 'producer');
    const process = async () => {
      const bus = new RedisLiveBus({
        publisher: redis,
        subscriber: await readyRedis(services.redisUrl, 'subscriber'),
        prefix,
        logger: quietLogger,
      });
      await bus.start();
      return { bus, presence: new Presence({ redis, prefix, bus, logger: quietLogger }) };
    };
    ({ bus: busA, presence: a } = await process());
    ({ bus: busB, presence: b } = await process());
  });

  after(async () => {
    a?.close();
    b?.close();
    await busA?.close();
    await busB?.close();
    await redis?.quit();
  });

  it('an admin with the inbox open makes staff "online" for the handoff decision, until they leave', async () => {
    const tenantId = newId();
    const adminId = newId();
    // A worker's presence (no bus) decides handoffs it runs from the same keys.
    const handoff: StaffPresence = new Presence({ redis, prefix, logger: quietLogger });
    expect(await handoff.anyStaffOnline(tenantId, 90)).to.equal(false);
    await a.openedInbox(tenantId, adminId);
    expect(await handoff.anyStaffOnline(tenantId, 90)).to.equal(true);
    expect(await b.anyStaffOnline(newId(), 90), 'another institution').to.equal(false);
    // Seen too long ago: no longer online.
    await a.openedInbox(tenantId, adminId, Date.now() - 120_000);
    expect(await b.anyStaffOnline(tenantId, 90)).to.equal(false);
    await b.openedInbox(tenantId, adminId);
    expect(await handoff.anyStaffOnline(tenantId, 90)).to.equal(true);
    await b.closedInbox(tenantId, adminId);
    expect(await handoff.anyStaffOnline(tenantId, 90)).to.equal(false);
  });

  it("a thread's viewers and typists reach the other process's inbox of that tenant only", async () => {
    const tenantId = newId();
    const conversationId = newId();
    const heard: (PresenceState & { courseId?: string })[] = [];
    const otherTenant: PresenceState[] = [];
    const stop = b.listen(tenantId, (state) => heard.push(state));
    const stopOther = b.listen(newId(), (state) => otherTenant.push(state));
    const lena = { userId: newId(), name: 'Lena Lead' };
    const state = await a.visit({
      tenantId,
      conversationId,
      courseId: 'course-1',
      person: lena,
      typing: true,
    });
    expect(state).to.deep.equal({ conversationId, viewers: [lena], typing: [lena] });
    await eventually(() => heard.length === 1, 'the presence on process B', 3000);
    expect(heard[0]).to.deep.equal({ conversationId, courseId: 'course-1', viewers: [lena], typing: [lena] });
    // Stops typing: still viewing, no longer typing, read the same from either process.
    await a.visit({ tenantId, conversationId, person: { userId: lena.userId } });
    await eventually(() => heard.length === 2, 'the second presence on process B', 3000);
    expect(heard[1]?.typing).to.deep.equal([]);
    expect(await b.state(tenantId, conversationId)).to.deep.equal({
      conversationId,
      viewers: [lena],
      typing: [],
    });
    // Viewing a thread is not having the inbox open: the handoff decision is unchanged.
    expect(await b.anyStaffOnline(tenantId, 90)).to.equal(false);
    expect(otherTenant).to.deep.equal([]);
    stop();
    stopOther();
  });

  it("the process's one presence serves the inbox on the process's bus: each change heard once, one listener on the connection", async () => {
    const { redisUrl } = await testServices();
    const subscriber = await readyRedis(redisUrl, 'subscriber');
    const bus = new RedisLiveBus({ publisher: redis, subscriber, prefix, logger: quietLogger });
    await bus.start();
    const presence = new Presence({ redis, prefix, bus, logger: quietLogger });
    // As the web process wires it: the same instance is the inbox's presence and the handoff decision's.
    const inbox: InboxPresence = presence;
    const handoff: StaffPresence = presence;
    try {
      const tenantId = newId();
      const heard: PresenceState[] = [];
      inbox.listen(tenantId, (state) => heard.push(state));
      expect(subscriber.listenerCount('pmessage')).to.equal(1);
      const person = { userId: newId(), name: 'Ina' };
      await inbox.visit({ tenantId, conversationId: newId(), person, typing: true });
      await inbox.visit({ tenantId, conversationId: newId(), person });
      await eventually(() => heard.length >= 2, 'both changes', 3000);
      // A third change heard means anything duplicated of the first two would have arrived before it.
      await a.visit({ tenantId, conversationId: newId(), person });
      await eventually(() => heard.length >= 3, 'the third change', 3000);
      expect(heard).to.have.length(3);
      await inbox.openedInbox(tenantId, person.userId);
      expect(await handoff.anyStaffOnline(tenantId, 90)).to.equal(true);
    } finally {
      presence.close();
      await bus.close();
    }
  });
});
