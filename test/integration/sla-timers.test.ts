import type { Job } from 'bullmq';
import { expect } from 'chai';
import { ConversationModel } from '../../src/conversations/conversation.model.js';
import type { AnyDomainEvent, DomainEvent, EventName } from '../../src/events/catalog.js';
import { EventModel } from '../../src/events/event.model.js';
import { InboxSettingsModel } from '../../src/inbox/inbox.models.js';
import { LATE_AFTER_MS } from '../../src/sla/clock-engine.js';
import { fireTimer } from '../../src/sla/clock-fire.js';
import { escalateStep } from '../../src/sla/escalation.js';
import { type SlaClockDoc, SlaClockModel } from '../../src/sla/sla-clock.model.js';
import type { EscalationSettings, TenantSla, TenantSlaProvider } from '../../src/sla/sla-plan.js';
import { sweepTimers } from '../../src/sla/sweep.js';
import { slaKeys } from '../../src/sla/timer-scheduler.js';
import { storedTenantSlas } from '../../src/storage/sla/stored-sla-settings.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { api, type Person } from '../support/people.js';
import { testServices } from '../support/services.js';
import { launchPerson, type SlaWorkers, startSlaWorkers, testTenantSla } from '../support/sla.js';

const seconds = (s: number) => s / 60;
/** An instant's milliseconds; fails the test when it is missing. */
function ms(at: Date | undefined): number {
  if (!at) throw new Error('expected a time');
  return at.getTime();
}

/** The same targets (calendar time, in seconds) for every priority. */
function uniform(
  targets: { first?: number; next?: number; resolution?: number },
  options: Parameters<typeof testTenantSla>[0] = {},
): TenantSla {
  const set = {
    ...(targets.first ? { first_response: seconds(targets.first) } : {}),
    ...(targets.next ? { next_response: seconds(targets.next) } : {}),
    ...(targets.resolution ? { resolution: seconds(targets.resolution) } : {}),
  };
  return testTenantSla({ ...options, targets: { low: set, normal: set, high: set, urgent: set } });
}

/** A first response breached 2 s after handoff (resolution far off), then the given escalation chain. */
function breachingFirst(escalation: Partial<EscalationSettings>): TenantSla {
  return uniform({ first: 2, resolution: 600 }, { escalation });
}

describe('SLA timers as BullMQ jobs (real launches, FerretDB, Redis, workers)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let workers: SlaWorkers;
  let admin: Person;
  let current: TenantSla = uniform({ first: 600, next: 600, resolution: 3600 });
  const provider: TenantSlaProvider = async () => current;
  let n = 0;

  before(async () => {
    // A Redis prefix of its own: no other test's worker consumes these SLA jobs with other targets.
    const services = await testServices();
    app = await startTestApp({ env: { REDIS_PREFIX: `${services.redisPrefix}-sla` } });
    workers = await startSlaWorkers(app, provider);
    admin = await launchPerson(app, 'admin', 'Ada');
  });
  after(async () => {
    await workers?.stop();
    await app?.stop();
  });

  /** A learner launches, opens the chat and presses "Talk to a person": a waiting thread. */
  async function handOff(): Promise<{ learner: Person; conversationId: string }> {
    const learner = await launchPerson(app, 'learner', `Lea${++n}`);
    const opened = await api(app, learner, '/api/chat');
    expect(opened.status).to.equal(200);
    const conversationId = opened.body.conversation.id as string;
    const handoff = await api(app, learner, '/api/chat/handoff', {
      method: 'POST',
      body: { conversationId },
    });
    expect(handoff.status).to.equal(200);
    return { learner, conversationId };
  }

  const staffPost = (path: string, body?: unknown) => api(app, admin, path, { method: 'POST', body });
  const claim = (id: string) => staffPost(`/api/inbox/conversations/${id}/claim`);
  const reply = (id: string, text = 'Here is what to do.') =>
    staffPost(`/api/inbox/conversations/${id}/reply`, { clientId: `r-${Date.now()}-${Math.random()}`, text });
  const learnerWrites = (learner: Person, conversationId: string, text = 'It still does not work') =>
    api(app, learner, '/api/chat/messages', {
      method: 'POST',
      body: { conversationId, clientId: `m-${Date.now()}-${Math.random()}`, text },
    });

  function eventsOf<N extends EventName>(
    conversationId: string,
    name: N,
    from: AnyDomainEvent[][] = [workers.events],
  ) {
    return from
      .flat()
      .filter((e) => e.conversationId === conversationId && e.name === name) as unknown as DomainEvent<N>[];
  }
  const threeEscalationSteps = (conversationId: string) =>
    eventually(() => {
      const found = eventsOf(conversationId, 'sla.escalated');
      return found.length >= 3 ? found : undefined;
    }, 'three escalation steps');
  const clockOf = (id: string) => SlaClockModel.findById(id).lean<SlaClockDoc>();
  const clockWhere = (id: string, test: (clock: SlaClockDoc) => boolean, what: string) =>
    eventually(async () => {
      const clock = await clockOf(id);
      return clock && test(clock) ? clock : undefined;
    }, what);
  async function timerJobsOf(id: string): Promise<Job[]> {
    const jobs = await app.runtime.queues.get('sla').getJobs(['delayed', 'waiting', 'active', 'prioritized']);
    return jobs.filter((job) => job?.id?.startsWith(`sla-${id}-`));
  }
  /** Waits (bounded) until the wall clock is past an instant: for a scenario that needs time to pass (no worker running). */
  const pastInstant = (at: Date | number, what: string) =>
    eventually(() => Date.now() > new Date(at).getTime(), what, 60_000);
  /**
   * The positive marker for "nothing fired by `at`": a thread of its own whose first response is due
   * after `at`, and the wait for its breach. Timers fire in due order, so once the marker's breach is
   * told, anything wrongly left due by `at` would have been told before it (a fixed pause would pass on a
   * slow machine without proving it). The marker's targets are in force only until its clock runs.
   */
  async function markerBreachAfter(at: Date | number, what: string): Promise<void> {
    const saved = current;
    current = uniform({
      first: Math.max(1, Math.ceil((new Date(at).getTime() - Date.now()) / 1000) + 1),
      resolution: 3600,
    });
    try {
      const marker = await handOff();
      await clockWhere(marker.conversationId, (c) => c.active, "the marker's clock to start");
      current = saved;
      const breached = await eventually(
        () => eventsOf(marker.conversationId, 'sla.breached')[0],
        `the marker breaching after ${what}`,
        60_000,
      );
      expect(Date.parse(breached.payload.dueAt)).to.be.above(new Date(at).getTime());
    } finally {
      current = saved;
    }
  }

  it('a breach fires at its due time, never early and not late (warning first), told once with a staff-only line on the thread', async () => {
    current = uniform({ first: 3, resolution: 600 });
    const { learner, conversationId } = await handOff();
    const breached = await eventually(() => eventsOf(conversationId, 'sla.breached')[0], 'the breach');
    const lateness = Date.parse(breached.at) - Date.parse(breached.payload.dueAt);
    // Never early; "not late" is the product's own judgement (within LATE_AFTER_MS). How late timers fire
    // is measured by `npm run bench -- sla` (latenessP50Ms/P99Ms), not asserted on a clock here.
    expect(lateness, 'breach event time minus due time (ms)').to.be.at.least(0);
    expect(breached.payload).to.include({ target: 'first_response', late: false });
    expect(breached.payload.sla).to.include({ state: 'breached', target: 'first_response' });
    expect(breached.visibility).to.equal('staff');
    const [warned] = eventsOf(conversationId, 'sla.warned');
    expect(warned?.payload.sla.state).to.equal('at_risk');
    expect((warned as DomainEvent).seq).to.be.below(breached.seq);
    // The escalation chain's first step: nobody owns the thread, so the tenant's channels are told.
    const owner = await eventually(
      () => eventsOf(conversationId, 'sla.escalated')[0],
      'the first escalation step',
    );
    expect(owner.payload).to.deep.include({ step: 'notify_owner', notified: [] });
    // Staff see the steps on the thread; the learner does not.
    const staffLines = await workers.services.conversations.service.history({
      tenantId: admin.tenantId,
      actor: { userId: admin.userId, role: 'admin' },
      conversationId,
      forLearner: false,
    });
    const texts = staffLines.filter((m) => m.author === 'system' && m.internal).map((m) => m.text);
    expect(
      texts.some((t) => /^First response target breached \(due .+, New York time\)\.$/.test(t)),
      texts.join('\n'),
    ).to.equal(true);
    expect(texts.some((t) => t.startsWith('First response target at risk'))).to.equal(true);
    const learnerView = await api(app, learner, '/api/chat');
    const learnerTexts = (learnerView.body.messages as { text: string }[]).map((m) => m.text).join('\n');
    expect(learnerTexts).not.to.match(/target (breached|at risk)|Escalation/);
  });

  it('escalates: the owner at once, the leads after their minutes, then the priority is raised through the normal change', async () => {
    current = breachingFirst({
      leadsAfterMinutes: seconds(1),
      finalAfterMinutes: seconds(2),
      finalAction: 'raise_priority',
    });
    await InboxSettingsModel.updateOne(
      { _id: admin.tenantId },
      { $set: { leadUserIds: [admin.userId], leadRoles: [], updatedAt: new Date() } },
      { upsert: true },
    );
    const { conversationId } = await handOff();
    expect((await claim(conversationId)).status).to.equal(200);
    const before = (await ConversationModel.findById(conversationId).lean())?.priority;
    const steps = await threeEscalationSteps(conversationId);
    expect(steps.map((e) => e.payload.step)).to.deep.equal([
      'notify_owner',
      'notify_leads',
      'raise_priority',
    ]);
    expect(steps[0]?.payload.notified).to.deep.equal([{ userId: admin.userId, name: admin.name }]);
    expect(steps[1]?.payload.notified).to.deep.equal([{ userId: admin.userId, name: admin.name }]);
    const raisedTo = steps[2]?.payload.priority;
    expect(raisedTo).to.not.equal(before);
    expect((await ConversationModel.findById(conversationId).lean())?.priority).to.equal(raisedTo);
    // The change is the thread's normal one: a triaged event by the system, and the clocks follow it.
    const triaged = eventsOf(conversationId, 'conversation.triaged');
    expect(triaged.at(-1)?.actor.role).to.equal('system');
    await clockWhere(conversationId, (c) => c.priority === raisedTo, 'the clocks to take the new priority');
    // Leads are told after the owner, the final action after the leads.
    expect(Date.parse(steps[1]?.at as string)).to.be.at.least(Date.parse(steps[0]?.at as string));
    await InboxSettingsModel.updateOne({ _id: admin.tenantId }, { $set: { leadUserIds: [] } });
  });

  it('with the final action "unassign", the owner who let it breach loses the thread back to the queue', async () => {
    current = breachingFirst({
      leadsAfterMinutes: 0,
      finalAfterMinutes: seconds(1),
      finalAction: 'unassign',
    });
    const { conversationId } = await handOff();
    expect((await claim(conversationId)).status).to.equal(200);
    const steps = await threeEscalationSteps(conversationId);
    expect(steps.map((e) => e.payload.step)).to.deep.equal(['notify_owner', 'notify_leads', 'unassign']);
    expect(steps[2]?.payload.previousAssignee).to.deep.equal({ userId: admin.userId, name: admin.name });
    const released = eventsOf(conversationId, 'conversation.released').at(-1);
    expect(released?.actor.role).to.equal('system');
    expect(released?.payload.previousAssignee?.userId).to.equal(admin.userId);
    const thread = await ConversationModel.findById(conversationId).lean();
    expect(thread?.status).to.equal('waiting');
    expect(thread?.assigneeId).to.equal(undefined);
    // The escalation is over: nothing else is scheduled for the breached clock.
    expect((await timerJobsOf(conversationId)).map((job) => job.id)).not.to.include(
      `sla-${conversationId}-first_response-1-esc-4`,
    );
  });

  it('a reply after the breach stops the rest of the escalation chain', async () => {
    current = breachingFirst({
      leadsAfterMinutes: seconds(4),
      finalAfterMinutes: seconds(6),
      finalAction: 'raise_priority',
    });
    const { conversationId } = await handOff();
    expect((await claim(conversationId)).status).to.equal(200);
    const owner = await eventually(() => eventsOf(conversationId, 'sla.escalated')[0], 'the owner step');
    expect(owner.payload.step).to.equal('notify_owner');
    expect((await reply(conversationId)).status).to.equal(201);
    const met = await clockWhere(
      conversationId,
      (c) => c.targets.first_response?.state === 'met',
      'the reply',
    );
    expect((await timerJobsOf(conversationId)).map((job) => job.id)).not.to.include(
      `sla-${conversationId}-first_response-1-esc-2`,
    );
    const breachedAt = ms(met.targets.first_response?.breachedAt);
    await markerBreachAfter(breachedAt + 6000 + 1000, "the later steps' times");
    expect(eventsOf(conversationId, 'sla.escalated').map((e) => e.payload.step)).to.deep.equal([
      'notify_owner',
    ]);
  });

  it('pauses resolution while the thread waits on the learner and resumes it with the time left', async () => {
    current = uniform({ first: 60, next: 60, resolution: 6 });
    const { learner, conversationId } = await handOff();
    const started = await clockWhere(conversationId, (c) => c.active, 'the clocks to start');
    const originalDue = started.targets.resolution?.dueAt as Date;
    expect((await claim(conversationId)).status).to.equal(200);
    expect((await reply(conversationId)).status).to.equal(201);
    const paused = await clockWhere(
      conversationId,
      (c) => c.targets.resolution?.state === 'paused',
      'the pause',
    );
    expect(paused.targets.first_response?.state).to.equal('met');
    const used = paused.targets.resolution?.usedMinutes as number;
    expect(used).to.be.above(0).and.below(seconds(6));
    await eventually(
      () => eventsOf(conversationId, 'sla.updated').find((e) => e.payload.sla.state === 'paused'),
      'sla.updated telling the pause',
    );
    // Past the resolution's original due time, nothing fired while paused.
    await markerBreachAfter(originalDue.getTime() + 1000, 'the original due time');
    expect(eventsOf(conversationId, 'sla.breached')).to.have.length(0);
    expect(eventsOf(conversationId, 'sla.warned')).to.have.length(0);
    expect(await timerJobsOf(conversationId)).to.have.length(0);

    expect((await learnerWrites(learner, conversationId)).status).to.equal(201);
    const resumed = await clockWhere(
      conversationId,
      (c) => c.targets.resolution?.state === 'running',
      'the resume',
    );
    const resolution = resumed.targets.resolution;
    const left = ms(resolution?.dueAt) - ms(resolution?.segmentStart);
    expect(left).to.be.closeTo((seconds(6) - used) * 60_000, 5);
    expect(resumed.targets.next_response).to.include({ state: 'running', cycle: 1 });
    const breached = await eventually(
      () => eventsOf(conversationId, 'sla.breached').find((e) => e.payload.target === 'resolution'),
      'the resolution breach after resuming',
    );
    expect(Date.parse(breached.payload.dueAt)).to.equal(ms(resolution?.dueAt));
    expect(Date.parse(breached.at) - Date.parse(breached.payload.dueAt)).to.be.at.least(0);
    expect(breached.payload).to.include({ late: false });
  });

  it('resolve cancels every timer: no jobs left in Redis for the thread and no warning or breach afterwards', async () => {
    // Due times far enough off that a loaded machine cannot reach them before the resolve (they are waited
    // out at the end, so longer would only slow the test).
    current = uniform({ first: 60, next: 8, resolution: 10 });
    const { learner, conversationId } = await handOff();
    expect((await claim(conversationId)).status).to.equal(200);
    expect((await reply(conversationId)).status).to.equal(201);
    await clockWhere(conversationId, (c) => c.targets.first_response?.state === 'met', 'the first response');
    expect((await learnerWrites(learner, conversationId)).status).to.equal(201);
    const running = await clockWhere(
      conversationId,
      (c) => c.targets.next_response?.state === 'running' && c.targets.resolution?.state === 'running',
      'next response running',
    );
    // The clocks are saved before their jobs are scheduled: wait for the jobs rather than read at once.
    await eventually(async () => (await timerJobsOf(conversationId)).length > 0, 'the timer jobs');
    const resolved = await staffPost(`/api/inbox/conversations/${conversationId}/resolve`, {});
    expect(resolved.status).to.equal(200);
    const stopped = await clockWhere(conversationId, (c) => !c.active, 'the clocks to stop');
    expect(stopped.targets.next_response?.state).to.equal('stopped');
    expect(stopped.targets.resolution?.state).to.equal('stopped');
    expect(stopped.nextAt).to.equal(undefined);
    expect(await timerJobsOf(conversationId)).to.deep.equal([]);
    const keys = slaKeys(app.config.REDIS_PREFIX);
    expect(await app.runtime.redis.zscore(keys.pending, conversationId)).to.equal(null);
    expect(await app.runtime.redis.sismember(keys.active, conversationId)).to.equal(0);
    const latest = Math.max(ms(running.targets.next_response?.dueAt), ms(running.targets.resolution?.dueAt));
    await markerBreachAfter(latest + 1500, 'every former due time');
    expect(eventsOf(conversationId, 'sla.warned')).to.have.length(0);
    expect(eventsOf(conversationId, 'sla.breached')).to.have.length(0);
    const told = eventsOf(conversationId, 'sla.updated').at(-1);
    expect(told?.payload.sla.state).to.be.oneOf(['stopped', 'met']);
  });

  it('handlers are idempotent: a fire job run twice (even at once) tells one breach; an escalation step run twice, one step', async () => {
    current = uniform({ first: 600, resolution: 3600 });
    const { conversationId } = await handOff();
    const clock = await clockWhere(conversationId, (c) => c.active, 'the clocks to start');
    const dueAt = clock.targets.first_response?.dueAt as Date;
    const data = {
      tenantId: admin.tenantId,
      conversationId,
      target: 'first_response' as const,
      cycle: 1,
      stage: 'breach' as const,
      dueAt: dueAt.toISOString(),
    };
    const at = new Date(dueAt.getTime() + 100);
    const results = await Promise.all([
      fireTimer(workers.engine, data, at),
      fireTimer(workers.engine, data, at),
    ]);
    expect(results.sort()).to.deep.equal(['breach', 'stale']);
    expect(await fireTimer(workers.engine, data, at)).to.equal('stale');
    const escalate = {
      tenantId: admin.tenantId,
      conversationId,
      target: 'first_response' as const,
      cycle: 1,
      step: 1,
    };
    const steps = await Promise.all([
      escalateStep(workers.engine, escalate, at),
      escalateStep(workers.engine, escalate, at),
    ]);
    expect(steps.sort()).to.deep.equal(['notify_owner', 'stale']);
    const stored = (name: EventName) => EventModel.countDocuments({ conversationId, name });
    expect(await stored('sla.breached')).to.equal(1);
    expect(await stored('sla.escalated')).to.equal(1);
    expect(eventsOf(conversationId, 'sla.breached')).to.have.length(1);
    // The breach job that was waiting for its time is gone: it could only have found nothing to do.
    const ids = (await timerJobsOf(conversationId)).map((job) => job.id);
    expect(ids).not.to.include(`sla-${conversationId}-first_response-1-breach`);
  });

  it('two workers on the queue: each timer fires once and each event is emitted once', async () => {
    current = uniform({ first: 2, resolution: 600 });
    const second = await startSlaWorkers(app, provider);
    try {
      const threads = await Promise.all([handOff(), handOff(), handOff(), handOff()]);
      const both = () => [workers.events, second.events];
      for (const { conversationId } of threads) {
        await eventually(
          () => eventsOf(conversationId, 'sla.escalated', both())[0],
          'breach and first escalation',
        );
        expect(eventsOf(conversationId, 'sla.breached', both())).to.have.length(1);
        expect(eventsOf(conversationId, 'sla.warned', both())).to.have.length(1);
        expect(await EventModel.countDocuments({ conversationId, name: 'sla.breached' })).to.equal(1);
      }
    } finally {
      await second.stop();
    }
  });

  it('timers that came due while every worker was down fire once on recovery, marked late', async () => {
    current = uniform({ first: 2, resolution: 600 });
    const { conversationId } = await handOff();
    const clock = await clockWhere(conversationId, (c) => c.active, 'the clocks to start');
    await workers.stop();
    const dueAt = clock.targets.first_response?.dueAt as Date;
    // Not a check that nothing happened: the scenario itself is the due time passing while no worker runs
    // (no worker, no fire), so the test waits for that instant, then starts the workers.
    await pastInstant(dueAt.getTime() + LATE_AFTER_MS + 1000, 'the due time, with no worker running');
    expect(eventsOf(conversationId, 'sla.breached')).to.have.length(0);
    workers = await startSlaWorkers(app, provider);
    const breached = await eventually(
      () => eventsOf(conversationId, 'sla.breached')[0],
      'the breach on recovery',
    );
    expect(breached.payload.late).to.equal(true);
    await eventually(() => eventsOf(conversationId, 'sla.escalated')[0], 'the first escalation step');
    expect(eventsOf(conversationId, 'sla.breached')).to.have.length(1);
    expect(await EventModel.countDocuments({ conversationId, name: 'sla.breached' })).to.equal(1);
    const lines = await workers.services.conversations.service.history({
      tenantId: admin.tenantId,
      actor: { userId: admin.userId, role: 'admin' },
      conversationId,
      forLearner: false,
    });
    expect(lines.some((m) => /breached .*Recorded late/.test(m.text))).to.equal(true);
  });

  it('the sweep re-adds a timer whose job was lost, and it fires once', async () => {
    current = uniform({ first: 4, resolution: 600 }, { warnShare: 0.99 });
    // The first sweep of a Redis without the pending set rebuilds it (and every job) from the clocks.
    await sweepTimers(workers.engine);
    const { conversationId } = await handOff();
    const clock = await clockWhere(conversationId, (c) => c.active, 'the clocks to start');
    const queue = app.runtime.queues.get('sla');
    for (const stage of ['warning', 'breach'])
      await queue.remove(`sla-${conversationId}-first_response-1-${stage}`);
    const dueAt = clock.targets.first_response?.dueAt as Date;
    await markerBreachAfter(dueAt.getTime() + 500, "the lost timer's due time");
    expect(eventsOf(conversationId, 'sla.breached')).to.have.length(0);
    const swept = await sweepTimers(workers.engine, Date.now(), 0);
    expect(swept.repaired).to.be.at.least(1);
    await eventually(() => eventsOf(conversationId, 'sla.breached')[0], 'the repaired breach');
    expect(await sweepTimers(workers.engine, Date.now(), 0)).to.include({ repaired: 0 });
    expect(eventsOf(conversationId, 'sla.breached')).to.have.length(1);
  });

  it('retime (settings changed) moves running clocks and their jobs', async () => {
    current = uniform({ first: 600, resolution: 3600 });
    const { conversationId } = await handOff();
    await clockWhere(conversationId, (c) => c.active, 'the clocks to start');
    current = uniform({ first: 3, resolution: 3600 });
    await app.runtime.queues.enqueue(
      'sla',
      'retime',
      { tenantId: admin.tenantId, version: 1 },
      { jobId: `sla-retime-${admin.tenantId}-t${n}` },
    );
    const moved = await clockWhere(
      conversationId,
      (c) => (c.targets.first_response?.target.minutes ?? 0) === seconds(3),
      'the clocks to move',
    );
    const breached = await eventually(
      () => eventsOf(conversationId, 'sla.breached')[0],
      'the breach at the new time',
    );
    expect(Date.parse(breached.payload.dueAt)).to.equal(ms(moved.targets.first_response?.dueAt));
  });

  it("with the tenant's own SLA settings, the learner's promised reply-by is the first-response due time", async () => {
    current = await storedTenantSlas()(admin.tenantId);
    const { conversationId } = await handOff();
    const clock = await clockWhere(conversationId, (c) => c.active, 'the clocks to start');
    const conversation = await ConversationModel.findById(conversationId).lean();
    expect(clock.targets.first_response?.dueAt?.toISOString()).to.equal(conversation?.replyBy?.toISOString());
    const handedOff = await EventModel.findOne({ conversationId, name: 'conversation.handed_off' }).lean();
    expect((handedOff?.payload as { replyBy?: string } | undefined)?.replyBy).to.equal(
      conversation?.replyBy?.toISOString(),
    );
  });
});
