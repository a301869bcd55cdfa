import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { type ConversationDomain, ConversationModel } from '../../src/conversations/index.js';
import type { EventName, NewEvent } from '../../src/events/catalog.js';
import type { SlaSnapshot } from '../../src/sla/sla.types.js';
import { createConversationDomain } from '../../src/storage/conversations/create-conversation-domain.js';
import { indexWorkerEvents, storedTeams } from '../../src/storage/inbox/create-inbox.js';
import { RedisInboxIndex } from '../../src/storage/inbox/redis-inbox-index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { api, type Body, handOff, type Person } from '../support/people.js';
import { quietLogger } from '../support/services.js';
import { launchPerson, type SlaWorkers, startSlaWorkers, testTenantSla } from '../support/sla.js';

/** What a learner writes before asking for a person (the thread then waits in the inbox). */
const ask = 'I need a person, my quiz is locked';

describe('inbox SLA state over HTTP (real launch and handoff; SLA events from a worker-side bus)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let lead: Person;
  /** A worker process's side: its own conversation domain, whose events keep the inbox index current. */
  let worker: ConversationDomain;

  before(async () => {
    app = await startTestApp();
    lead = await launchPerson(app, 'admin', 'Lena');
    worker = createConversationDomain({
      redis: app.runtime.redis,
      prefix: app.config.REDIS_PREFIX,
      logger: quietLogger,
      messageMaxChars: app.config.MESSAGE_MAX_CHARS,
    });
    indexWorkerEvents({ conversations: worker, redis: app.runtime.redis, prefix: app.config.REDIS_PREFIX });
  });
  after(() => app?.stop());

  /** Emits an SLA event for a thread as the timers do. */
  async function emitSla(
    conversationId: string,
    name: Extract<EventName, `sla.${string}`>,
    sla: SlaSnapshot,
    extra: Record<string, unknown> = {},
  ) {
    const thread = await ConversationModel.findById(conversationId).lean();
    if (!thread) throw new Error('no such thread');
    await worker.bus.emit({
      tenantId: String(thread.tenantId),
      name,
      conversationId,
      courseId: thread.courseId ? String(thread.courseId) : undefined,
      userId: String(thread.user.userId),
      actor: { role: 'system' },
      payload: { sla, ...extra },
    } as NewEvent);
  }

  const list = async (view: string) => {
    const answer = await api(app, lead, `/api/inbox/conversations?view=${view}&limit=100`);
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    return answer.body as { items: Body[]; counts: { at_risk: number; breached: number }; zone: Body };
  };
  const ids = (page: { items: Body[] }) => page.items.map((item) => item.id);

  it('moves a thread into At risk, then Breached, with counts; a resolved thread leaves both', async () => {
    const learner = await launchPerson(app, 'learner', 'Rosa');
    const conversationId = await handOff(app, learner, ask);
    const before = await list('at_risk');
    expect(ids(before)).not.to.include(conversationId);

    const due = new Date(Date.now() + 15 * 60_000).toISOString();
    const warn = new Date(Date.now() - 60_000).toISOString();
    await emitSla(conversationId, 'sla.updated', {
      state: 'on_track',
      target: 'first_response',
      warnAt: warn,
      dueAt: due,
    });
    const onTrack = await list('unassigned');
    const item = onTrack.items.find((i) => i.id === conversationId);
    expect(item.sla).to.deep.equal({ state: 'on_track', target: 'first_response', warnAt: warn, dueAt: due });
    expect(onTrack.counts.at_risk).to.equal(before.counts.at_risk);

    await emitSla(
      conversationId,
      'sla.warned',
      { state: 'at_risk', target: 'first_response', warnAt: warn, dueAt: due },
      { target: 'first_response', dueAt: due, late: false },
    );
    const atRisk = await list('at_risk');
    expect(ids(atRisk)).to.include(conversationId);
    expect(atRisk.counts.at_risk).to.equal(before.counts.at_risk + 1);
    expect(atRisk.items.find((i) => i.id === conversationId).sla.state).to.equal('at_risk');
    // The tenant's calendar zone, named, for the page to write reply-by and due times in.
    expect(atRisk.zone).to.deep.equal({ timeZone: 'America/New_York', name: 'New York time' });

    await emitSla(
      conversationId,
      'sla.breached',
      { state: 'breached', target: 'first_response', dueAt: due },
      { target: 'first_response', dueAt: due, late: false },
    );
    const breached = await list('breached');
    expect(ids(breached)).to.include(conversationId);
    expect(breached.counts.at_risk).to.equal(before.counts.at_risk);
    expect(breached.counts.breached).to.equal(before.counts.breached + 1);
    expect(ids(await list('at_risk'))).not.to.include(conversationId);

    // The thread answers its SLA and the zone to show times in.
    const thread = await api(app, lead, `/api/inbox/conversations/${conversationId}`);
    expect(thread.status).to.equal(200);
    expect(thread.body.conversation.sla.state).to.equal('breached');
    expect(thread.body.zone.name).to.equal('New York time');
    // …which the learner's own view of the thread never shows.
    const mine = await api(app, learner, '/api/chat');
    expect(JSON.stringify(mine.body)).not.to.match(/breached|at_risk/);

    expect(
      (await api(app, lead, `/api/inbox/conversations/${conversationId}/claim`, { method: 'POST' })).status,
    ).to.equal(200);
    expect(ids(await list('breached'))).to.include(conversationId); // owned, still breached
    expect(
      (
        await api(app, lead, `/api/inbox/conversations/${conversationId}/resolve`, {
          method: 'POST',
          body: {},
        })
      ).status,
    ).to.equal(200);
    const after = await list('breached');
    expect(ids(after)).not.to.include(conversationId);
    expect(after.counts.breached).to.equal(before.counts.breached);
  });

  it('a clock met (a staff reply) takes the thread out of At risk; the item says met', async () => {
    const learner = await launchPerson(app, 'learner', 'Mia');
    const conversationId = await handOff(app, learner, ask);
    const due = new Date(Date.now() + 10 * 60_000).toISOString();
    await emitSla(
      conversationId,
      'sla.warned',
      { state: 'at_risk', target: 'first_response', dueAt: due },
      { target: 'first_response', dueAt: due, late: false },
    );
    expect(ids(await list('at_risk'))).to.include(conversationId);
    await emitSla(conversationId, 'sla.updated', { state: 'met', target: 'first_response' });
    expect(ids(await list('at_risk'))).not.to.include(conversationId);
    const item = (await list('unassigned')).items.find((i) => i.id === conversationId);
    expect(item.sla).to.deep.equal({ state: 'met', target: 'first_response' });
  });

  it('a rebuilt index (Redis lost it) has every thread back in its SLA view, from the stored events', async () => {
    const learner = await launchPerson(app, 'learner', 'Noor');
    const conversationId = await handOff(app, learner, ask);
    const due = new Date(Date.now() - 60_000).toISOString();
    await emitSla(
      conversationId,
      'sla.breached',
      { state: 'breached', target: 'first_response', dueAt: due },
      { target: 'first_response', dueAt: due, late: true },
    );
    const before = await list('breached');
    expect(ids(before)).to.include(conversationId);
    const thread = await ConversationModel.findById(conversationId).lean();
    const index = new RedisInboxIndex({
      redis: app.runtime.redis,
      prefix: app.config.REDIS_PREFIX,
      teams: storedTeams(),
    });
    await index.rebuild(String(thread?.tenantId));
    const after = await list('breached');
    expect(ids(after)).to.include(conversationId);
    expect(after.counts.breached).to.equal(before.counts.breached);
  });
});

describe('inbox SLA state from the real timers (BullMQ jobs, targets of seconds)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let timers: SlaWorkers;
  let lead: Person;

  before(async () => {
    app = await startTestApp();
    lead = await launchPerson(app, 'admin', 'Tim');
    // Normal priority: first response due 6 s after the handoff, its warning at 75 % (4.5 s).
    timers = await startSlaWorkers(app, async () => testTenantSla());
    // The timer workers' bus keeps the inbox index current, as a worker process's does.
    indexWorkerEvents({
      conversations: timers.services.conversations,
      redis: timers.services.redis,
      prefix: app.config.REDIS_PREFIX,
    });
  });
  after(async () => {
    await timers?.stop();
    await app?.stop();
  });

  const inView = async (view: string, id: string) => {
    const answer = await api(app, lead, `/api/inbox/conversations?view=${view}&limit=100`);
    return (answer.body.items as Body[]).some((item) => item.id === id);
  };

  it('a handed-off thread goes At risk, then Breached, with staff notes in its timeline; a reply takes it out', async () => {
    const learner = await launchPerson(app, 'learner', 'Tara');
    const conversationId = await handOff(app, learner, ask);
    await eventually(() => inView('at_risk', conversationId), 'the thread in At risk');
    await eventually(() => inView('breached', conversationId), 'the thread in Breached');
    expect(await inView('at_risk', conversationId)).to.equal(false);

    const thread = await api(app, lead, `/api/inbox/conversations/${conversationId}`);
    const notes = (thread.body.messages as Body[])
      .filter((message) => message.author === 'system' && /^sla:/.test(message.clientId))
      .map((message) => message.text);
    expect(notes.join('\n')).to.match(/at risk/i);
    expect(notes.join('\n')).to.match(/breached/i);

    expect(
      (await api(app, lead, `/api/inbox/conversations/${conversationId}/claim`, { method: 'POST' })).status,
    ).to.equal(200);
    const replied = await api(app, lead, `/api/inbox/conversations/${conversationId}/reply`, {
      method: 'POST',
      body: { clientId: randomUUID(), text: 'Sorry for the wait, looking at it now.' },
    });
    expect(replied.status).to.equal(201);
    await eventually(async () => !(await inView('breached', conversationId)), 'the thread out of Breached');
  });
});
