import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import mongoose, { Types } from 'mongoose';
import { GapAnswerHitModel, GapAnswerModel } from '../../src/insights/gap-answer.model.js';
import { TopicAssignmentModel, TopicModel } from '../../src/insights/topic.model.js';
import { LeadModel } from '../../src/leads/lead.model.js';
import { purgeExpiredThreads } from '../../src/maintenance/conversation-retention.js';
import { keysNaming } from '../../src/storage/privacy/user-redis.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { api, type Body, handOff, type Person } from '../support/people.js';
import { queuesSettled } from '../support/queues-settled.js';
import { type Institution, launchInto, newInstitution } from '../support/tenants.js';

const DAY = 86_400_000;

/** Documents in any collection that name one of these threads (as `_id`, `conversationId` or insight facts). */
async function documentsNaming(ids: readonly string[]): Promise<Record<string, number>> {
  const db = mongoose.connection.db;
  if (!db) throw new Error('not connected');
  const values = ids.flatMap((id) => [id, new Types.ObjectId(id)]);
  const found: Record<string, number> = {};
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    const count = await db
      .collection(name)
      .countDocuments({ $or: [{ _id: { $in: values } }, { conversationId: { $in: values } }] } as never);
    if (count) found[name] = count;
  }
  for (const id of ids) {
    const days = await db.collection('insight_days').countDocuments({ [`threads.${id}`]: { $exists: true } });
    if (days) found[`insight_days.threads.${id}`] = days;
  }
  return found;
}

describe('per-tenant retention (scheduled privacy job over real threads)', function () {
  this.timeout(180_000);
  let app: TestApp;
  let keeping: Institution;
  let forgetting: Institution;
  let admin: Person;
  let otherAdmin: Person;
  const threads: Record<'resolved' | 'botOnly' | 'waiting' | 'otherTenant', string> = {
    resolved: '',
    botOnly: '',
    waiting: '',
    otherTenant: '',
  };
  let topicId: Types.ObjectId;

  /** A learner's thread handed off, claimed, answered and resolved by the tenant's admin. */
  async function resolvedThread(institution: Institution, staff: Person, name: string): Promise<string> {
    const learner = await launchInto(app, institution, { role: 'learner', name });
    const id = await handOff(app, learner, `${name} cannot open the quiz`);
    expect(
      (await api(app, staff, `/api/inbox/conversations/${id}/claim`, { method: 'POST' })).status,
    ).to.equal(200);
    const reply = await api(app, staff, `/api/inbox/conversations/${id}/reply`, {
      method: 'POST',
      body: { clientId: `r-${randomUUID()}`, text: 'Fixed, try again' },
    });
    expect(reply.status, reply.text).to.equal(201);
    const resolved = await api(app, staff, `/api/inbox/conversations/${id}/resolve`, {
      method: 'POST',
      body: {},
    });
    expect(resolved.status, resolved.text).to.equal(200);
    return id;
  }

  before(async () => {
    app = await startTestApp({ worker: true });
    forgetting = await newInstitution(app, 'Retention school');
    keeping = await newInstitution(app, 'Keeping school');
    admin = await launchInto(app, forgetting, { role: 'admin', name: 'Rita Admin' });
    otherAdmin = await launchInto(app, keeping, { role: 'admin', name: 'Kai Admin' });

    threads.resolved = await resolvedThread(forgetting, admin, 'Ron Resolved');
    threads.otherTenant = await resolvedThread(keeping, otherAdmin, 'Kim Kept');
    const waiting = await launchInto(app, forgetting, { role: 'learner', name: 'Wes Waiting' });
    threads.waiting = await handOff(app, waiting, 'Still waiting for a person');
    const chatter = await launchInto(app, forgetting, { role: 'learner', name: 'Bo Bot' });
    const opened = await api(app, chatter, '/api/chat');
    threads.botOnly = opened.body.conversation.id;
    const posted = await api(app, chatter, '/api/chat/messages', {
      method: 'POST',
      body: {
        conversationId: threads.botOnly,
        clientId: `c-${randomUUID()}`,
        text: 'Where is the syllabus?',
      },
    });
    expect(posted.status, posted.text).to.equal(201);

    // Records the insight and lead features keep about a thread (made here as those features store them).
    const tenantId = new Types.ObjectId(admin.tenantId);
    const now = new Date();
    topicId = new Types.ObjectId();
    await TopicModel.create({
      _id: topicId,
      tenantId,
      label: 'quiz access',
      labelKey: 'quiz-access',
      labelSource: 'terms',
      terms: ['quiz'],
      memberCount: 1,
      createdAt: now,
      updatedAt: now,
    });
    await TopicAssignmentModel.create({
      tenantId,
      conversationId: new Types.ObjectId(threads.resolved),
      questionKey: `q-${randomUUID()}`,
      question: 'Ron Resolved cannot open the quiz',
      language: 'en',
      topicId,
      method: 'nearest',
      at: now,
      week: '2026-W49',
      createdAt: now,
      updatedAt: now,
    });
    const gapId = new Types.ObjectId();
    await GapAnswerModel.create({
      _id: gapId,
      tenantId,
      courseId: null,
      path: `qa/${gapId}.md`,
      conversationId: new Types.ObjectId(threads.resolved),
      topicId,
      question: 'Ron Resolved cannot open the quiz',
      createdBy: admin.userId,
      createdAt: now,
      updatedAt: now,
    });
    await GapAnswerHitModel.create({
      _id: `${gapId}-${new Types.ObjectId()}`,
      tenantId,
      gapAnswerId: gapId,
      messageId: new Types.ObjectId(),
      conversationId: new Types.ObjectId(threads.botOnly),
      at: now,
    });
    await LeadModel.create({
      _id: new Types.ObjectId(threads.botOnly),
      tenantId,
      conversationId: new Types.ObjectId(threads.botOnly),
      userId: new Types.ObjectId(chatter.userId),
      message: 'We are a school looking for a licence',
      stage: 'asked',
      askedAt: now,
    });
    // The worker has kept the resolving reply (gap rows) and the SLA clock of the resolved thread.
    await eventually(async () => {
      const found = await documentsNaming([threads.resolved]);
      return found.gap_replies && found.sla_clocks;
    }, 'the worker’s records of the resolved thread');
    // And the rest of the background work (insights windows of every thread, the other tenant's too) has
    // run, so what each thread holds stays put while the tests compare it.
    await queuesSettled(app.runtime.queues);
  });
  after(() => app?.stop());

  it('the retention days are a tenant setting admins change (empty keeps threads)', async () => {
    expect((await api(app, admin, '/api/privacy/settings')).body.data).to.deep.equal({ retentionDays: null });
    const saved = await api(app, admin, '/api/privacy/settings', {
      method: 'PUT',
      body: { retentionDays: 30 },
    });
    expect(saved.status, saved.text).to.equal(200);
    expect((await api(app, admin, '/api/privacy/settings')).body.data).to.deep.equal({ retentionDays: 30 });
    expect((await api(app, otherAdmin, '/api/privacy/settings')).body.data).to.deep.equal({
      retentionDays: null,
    });
    const wrong = await api(app, admin, '/api/privacy/settings', {
      method: 'PUT',
      body: { retentionDays: 2.5 },
    });
    expect(wrong.status).to.equal(400);
    expect(wrong.body.error.message).to.equal('retentionDays: must be a whole number of days');
  });

  it('is scheduled hourly with a fixed scheduler id', async () => {
    const scheduler = await app.runtime.queues.get('privacy').getJobScheduler('privacy-retention');
    expect(scheduler?.every).to.equal(3_600_000);
  });

  it('keeps everything before the days have passed', async () => {
    const run = await purgeExpiredThreads(app.runtime.queues, {
      now: new Date(Date.now() + 29 * DAY),
      tenantId: admin.tenantId,
    });
    expect(run.threads).to.equal(0);
    expect((await documentsNaming([threads.resolved])).conversations).to.equal(1);
  });

  it('after them, the scheduled job deletes finished threads and everything kept about them', async () => {
    const all = Object.values(threads);
    const before = await documentsNaming(all);
    const keptBefore = await documentsNaming([threads.otherTenant]);
    const keysBefore = await keysNaming(app.runtime.redis, app.config.REDIS_PREFIX, [
      threads.resolved,
      threads.botOnly,
    ]);
    const queue = app.runtime.queues.get('privacy');
    const job = await queue.add(
      'retention',
      { now: new Date(Date.now() + 31 * DAY).toISOString() },
      { jobId: `retention-test-${randomUUID()}` },
    );
    const result = await eventually(async () => {
      const state = await job.getState();
      if (state === 'failed') throw new Error((await queue.getJob(job.id ?? ''))?.failedReason);
      return state === 'completed' ? ((await queue.getJob(job.id ?? ''))?.returnvalue as Body) : null;
    }, 'the retention job');
    console.log(
      `      before: ${JSON.stringify(before)}; ${keysBefore.length} Redis keys of the two threads; job: ${JSON.stringify(result)}`,
    );

    expect(await documentsNaming([threads.resolved, threads.botOnly])).to.deep.equal({});
    expect(
      await keysNaming(app.runtime.redis, app.config.REDIS_PREFIX, [threads.resolved, threads.botOnly]),
    ).to.deep.equal([]);
    // The topic whose only member went is gone with it.
    expect(await TopicModel.exists({ _id: topicId })).to.equal(null);
    // A thread still waiting for a person stays, and so does every thread of a tenant without retention.
    expect((await documentsNaming([threads.waiting])).conversations).to.equal(1);
    expect(await documentsNaming([threads.otherTenant])).to.deep.equal(keptBefore);
    expect(keptBefore.conversations).to.equal(1);

    const resolvedList = await api(app, admin, '/api/inbox/conversations?view=resolved&limit=100');
    expect(resolvedList.body.items.map((item: Body) => item.id)).not.to.include(threads.resolved);
    expect(resolvedList.body.counts.resolved).to.equal(0);
    const otherList = await api(app, otherAdmin, '/api/inbox/conversations?view=resolved&limit=100');
    expect(otherList.body.items.map((item: Body) => item.id)).to.include(threads.otherTenant);
  });

  it('a second run finds nothing more to delete (idempotent)', async () => {
    const run = await purgeExpiredThreads(app.runtime.queues, {
      now: new Date(Date.now() + 31 * DAY),
      tenantId: admin.tenantId,
    });
    expect(run.threads).to.equal(0);
  });
});
