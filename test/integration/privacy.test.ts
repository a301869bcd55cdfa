import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import mongoose, { Types } from 'mongoose';
import { LTI } from '../../src/devlms/constants.js';
import { slaKeys } from '../../src/sla/timer-scheduler.js';
import { keysNaming } from '../../src/storage/privacy/user-redis.js';
import { UserModel } from '../../src/users/user.model.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { api, type Body, handOff, launchSession, type Person } from '../support/people.js';
import { type Institution, launchInto, newInstitution } from '../support/tenants.js';

/** Documents in any collection that name one of these ids (as thread, user, author or recipient). */
async function documentsNaming(ids: readonly string[]): Promise<Record<string, number>> {
  const db = mongoose.connection.db;
  if (!db) throw new Error('not connected');
  const values = ids.flatMap((id) => [id, new Types.ObjectId(id)]);
  const fields = [
    '_id',
    'conversationId',
    'userId',
    'user.userId',
    'authorId',
    'recipient.userId',
    'gapAnswerId',
  ];
  const found: Record<string, number> = {};
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    const count = await db
      .collection(name)
      .countDocuments({ $or: fields.map((field) => ({ [field]: { $in: values } })) } as never);
    if (count) found[name] = count;
  }
  // Insight days keep a thread's facts under its id.
  for (const id of ids) {
    const days = await db.collection('insight_days').countDocuments({ [`threads.${id}`]: { $exists: true } });
    if (days) found[`insight_days.threads.${id}`] = days;
  }
  return found;
}

/** Queued (waiting, delayed, finished) jobs whose data names a thread. */
async function jobsOf(app: TestApp, conversationId: string): Promise<string[]> {
  const names: string[] = [];
  for (const queue of ['sla', 'notify', 'review', 'topics', 'insights', 'gaps'] as const) {
    const jobs = await app.runtime.queues
      .get(queue)
      .getJobs(['waiting', 'delayed', 'prioritized', 'completed', 'failed']);
    for (const job of jobs)
      if (job?.data?.conversationId === conversationId) names.push(`${queue}.${job.name} (${job.id})`);
  }
  return names;
}

describe('data rights: one person’s export and erasure (admin action, real launches and worker)', function () {
  this.timeout(180_000);
  let app: TestApp;
  let school: Institution;
  let admin: Person;
  let learner: Person;
  let bystander: Person;
  let learnerThread: string;
  let bystanderThread: string;
  const subject = `privacy-learner-${randomUUID()}`;
  const learnerEmail = `lea-${randomUUID().slice(0, 8)}@example.edu`;
  const secret = `my student number is ${randomUUID().slice(0, 8)}`;

  /** Launches the learner of this suite (the same LTI subject every time). */
  const launchLearner = async (): Promise<Person> => {
    const session = await launchSession(app, 'learner', (claims) => {
      claims.sub = subject;
      claims.name = 'Lea Learner';
      claims.email = learnerEmail;
      claims[`${LTI}deployment_id`] = school.deploymentId;
    });
    return { ...session, name: 'Lea Learner', email: learnerEmail };
  };

  const inbox = async () => {
    const page = await api(app, admin, '/api/inbox/conversations?view=all&limit=100');
    expect(page.status, page.text).to.equal(200);
    return page.body as { items: Body[]; counts: Record<string, number> };
  };

  before(async () => {
    // A long grace keeps the learner's follow-up email queued (delayed) when the erasure comes.
    app = await startTestApp({ worker: true, env: { FOLLOW_UP_GRACE_SECONDS: '3600' } });
    school = await newInstitution(app, 'Privacy school');
    admin = await launchInto(app, school, { role: 'admin', name: 'Ada Admin' });
    learner = await launchLearner();
    bystander = await launchInto(app, school, { role: 'learner', name: 'Bea Bystander' });

    learnerThread = await handOff(app, learner, `I need a person: ${secret}`);
    bystanderThread = await handOff(app, bystander, 'I need a person about my quiz');
    expect(
      (await api(app, admin, `/api/inbox/conversations/${learnerThread}/claim`, { method: 'POST' })).status,
    ).to.equal(200);
    const replied = await api(app, admin, `/api/inbox/conversations/${learnerThread}/reply`, {
      method: 'POST',
      body: { clientId: `r-${randomUUID()}`, text: 'Hello Lea, looking into it' },
    });
    expect(replied.status, replied.text).to.equal(201);
    // The learner answers: the thread's SLA clocks run again (next response), so timers are queued.
    const answered = await api(app, learner, '/api/chat/messages', {
      method: 'POST',
      body: { conversationId: learnerThread, clientId: `c-${randomUUID()}`, text: 'Thanks, it is quiz 3' },
    });
    expect(answered.status, answered.text).to.equal(201);
    // The worker has scheduled the thread's SLA timers and the learner's follow-up email.
    await eventually(async () => {
      const jobs = await jobsOf(app, learnerThread);
      if (process.env.DEBUG_PRIVACY) console.log(jobs);
      return (
        jobs.some((job) => job.startsWith('sla.fire')) &&
        jobs.some((job) => job.startsWith('notify.followUp'))
      );
    }, 'SLA timers and a follow-up email queued for the learner’s thread');
  });
  after(() => app?.stop());

  it('refuses people who are not admins, and bad input with the field named', async () => {
    expect((await api(app, learner, '/api/privacy/settings')).status).to.equal(403);
    expect((await api(app, learner, `/api/privacy/people/${learner.userId}/export`)).status).to.equal(403);
    const bad = await api(app, admin, '/api/privacy/settings', { method: 'PUT', body: { retentionDays: 0 } });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.message).to.match(/^retentionDays: must be at least 1 day/);
    const unconfirmed = await api(app, admin, `/api/privacy/people/${learner.userId}/erase`, {
      method: 'POST',
      body: {},
    });
    expect(unconfirmed.status).to.equal(400);
    expect(unconfirmed.body.error.message).to.match(/^confirm:/);
  });

  it('finds the person by email and exports everything stored about them as JSON', async () => {
    const found = await api(
      app,
      admin,
      `/api/privacy/people?email=${encodeURIComponent(learnerEmail.toUpperCase())}`,
    );
    expect(found.status, found.text).to.equal(200);
    expect(found.body.data.people).to.have.length(1);
    expect(found.body.data.people[0]).to.include({ id: learner.userId, email: learnerEmail, threads: 1 });

    const exported = await api(app, admin, `/api/privacy/people/${learner.userId}/export`);
    expect(exported.status).to.equal(200);
    const data = exported.body;
    expect(data.profile).to.include({ email: learnerEmail, name: 'Lea Learner', followUpEmail: true });
    expect(data.profile).not.to.have.property('subject');
    expect(data.launches.length).to.be.at.least(1);
    expect(data.conversations).to.have.length(1);
    const texts = data.conversations[0].messages.map((message: Body) => message.text);
    expect(texts.some((text: string) => text.includes(secret))).to.equal(true);
    expect(texts).to.include('Hello Lea, looking into it');
    // Nothing of the bystander's.
    expect(exported.text).not.to.include(bystanderThread);
  });

  it('another tenant’s admin cannot find, export or erase the person (404)', async () => {
    const other = await newInstitution(app, 'Other school');
    const otherAdmin = await launchInto(app, other, { role: 'admin', name: 'Otto Admin' });
    expect((await api(app, otherAdmin, `/api/privacy/people/${learner.userId}/export`)).status).to.equal(404);
    const found = await api(app, otherAdmin, `/api/privacy/people?userId=${learner.userId}`);
    expect(found.body.data.people).to.have.length(0);
    const erase = await api(app, otherAdmin, `/api/privacy/people/${learner.userId}/erase`, {
      method: 'POST',
      body: { confirm: true },
    });
    expect(erase.status).to.equal(404);
    expect(await UserModel.exists({ _id: learner.userId })).to.not.equal(null);
  });

  it('erases the person: database, Redis copies, inbox entries and counts, queued timers and emails', async () => {
    const before = await inbox();
    expect(before.items.map((item) => item.id)).to.include.members([learnerThread, bystanderThread]);
    const namedBefore = await documentsNaming([learnerThread, learner.userId]);
    const { redis, prefix } = { redis: app.runtime.redis, prefix: app.config.REDIS_PREFIX };
    const keysBefore = await keysNaming(redis, prefix, [learnerThread, learner.userId]);
    const jobsBefore = await jobsOf(app, learnerThread);
    expect(Object.keys(namedBefore)).to.include.members([
      'conversations',
      'messages',
      'events',
      'users',
      'lti_launches',
    ]);
    expect(keysBefore.length).to.be.greaterThan(0);

    const asked = await api(app, admin, `/api/privacy/people/${learner.userId}/erase`, {
      method: 'POST',
      body: { confirm: true },
    });
    expect(asked.status, asked.text).to.equal(202);
    const done = await eventually(async () => {
      const state = await api(app, admin, `/api/privacy/people/${learner.userId}/erase`);
      return state.body.data.state === 'completed' ? state.body.data : null;
    }, 'the erasure to complete');
    console.log(
      `      erased: ${JSON.stringify(namedBefore)} documents, ${keysBefore.length} Redis keys, ${jobsBefore.length} jobs before; result ${JSON.stringify(done.result)}`,
    );

    expect(await documentsNaming([learnerThread, learner.userId])).to.deep.equal({});
    expect(await keysNaming(redis, prefix, [learnerThread, learner.userId])).to.deep.equal([]);
    expect(await jobsOf(app, learnerThread)).to.deep.equal([]);
    const sla = slaKeys(prefix);
    expect(await redis.zscore(sla.pending, learnerThread)).to.equal(null);
    expect(await redis.sismember(sla.active, learnerThread)).to.equal(0);

    const after = await inbox();
    expect(after.items.map((item) => item.id)).not.to.include(learnerThread);
    expect(after.items.map((item) => item.id)).to.include(bystanderThread);
    expect(after.counts.open).to.equal((before.counts.open ?? 0) - 1);
    const search = await api(
      app,
      admin,
      `/api/inbox/conversations?view=all&q=${encodeURIComponent(secret.split(' ').at(-1) ?? '')}`,
    );
    expect(search.status).to.equal(200);
    expect(search.body.items.map((item: Body) => item.id)).not.to.include(learnerThread);

    // The bystander's thread and its timers are untouched.
    expect((await documentsNaming([bystanderThread])).conversations).to.equal(1);
    expect((await jobsOf(app, bystanderThread)).some((job) => job.startsWith('sla.fire'))).to.equal(true);
  });

  it('a staff member who owns open threads is erased only after transferring them; their replies stay, nameless', async () => {
    const staff = await launchInto(app, school, { role: 'admin', name: 'Sam Staff' });
    expect(
      (await api(app, staff, `/api/inbox/conversations/${bystanderThread}/claim`, { method: 'POST' })).status,
    ).to.equal(200);
    const replied = await api(app, staff, `/api/inbox/conversations/${bystanderThread}/reply`, {
      method: 'POST',
      body: { clientId: `r-${randomUUID()}`, text: 'Sam here, fixed it' },
    });
    expect(replied.status, replied.text).to.equal(201);
    const refused = await api(app, admin, `/api/privacy/people/${staff.userId}/erase`, {
      method: 'POST',
      body: { confirm: true },
    });
    expect(refused.status).to.equal(409);
    expect(refused.body.error.message).to.equal(
      'This person owns 1 open conversation: transfer or resolve it first.',
    );
    const resolved = await api(app, staff, `/api/inbox/conversations/${bystanderThread}/resolve`, {
      method: 'POST',
      body: {},
    });
    expect(resolved.status, resolved.text).to.equal(200);
    const asked = await api(app, admin, `/api/privacy/people/${staff.userId}/erase`, {
      method: 'POST',
      body: { confirm: true },
    });
    expect(asked.status, asked.text).to.equal(202);
    await eventually(async () => {
      const state = await api(app, admin, `/api/privacy/people/${staff.userId}/erase`);
      return state.body.data.state === 'completed';
    }, 'the staff erasure to complete');
    expect(await UserModel.exists({ _id: staff.userId })).to.equal(null);
    const thread = await api(app, admin, `/api/inbox/conversations/${bystanderThread}`);
    expect(thread.status, thread.text).to.equal(200);
    const reply = (thread.body.messages as Body[]).find((message) => message.text === 'Sam here, fixed it');
    expect(reply?.authorName).to.equal('Deleted user');
    expect(JSON.stringify(thread.body)).not.to.include(staff.userId);
  });

  it('a later launch by the same person starts fresh: a new profile and an empty thread', async () => {
    const erasedAt = new Date();
    const again = await launchLearner();
    // The profile is made again from the launch (its id derives from the LTI subject), nothing carried over.
    const profile = await UserModel.findById(again.userId).lean();
    expect(profile?.createdAt.getTime()).to.be.at.least(erasedAt.getTime() - 1000);
    const exported = await api(app, admin, `/api/privacy/people/${again.userId}/export`);
    expect(exported.body.conversations).to.deep.equal([]);
    expect(exported.body.launches).to.have.length(1);
    const chat = await api(app, again, '/api/chat');
    expect(chat.status, chat.text).to.equal(200);
    expect(chat.body.conversation?.id ?? null).not.to.equal(learnerThread);
    expect(JSON.stringify(chat.body)).not.to.include(secret);
  });
});
