import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Types } from 'mongoose';
import { type TopicAssignment, TopicAssignmentModel, TopicModel } from '../../src/insights/topic.model.js';
import { tenantsWithWaitingQuestions } from '../../src/insights/topic-recluster.js';
import { registerJobListeners } from '../../src/jobs/listeners.js';
import { verifySessionToken } from '../../src/lti/session.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { launch, launchWith } from '../support/lms-client.js';
import { FakeOpenAI } from '../support/openai-fake.js';
import { quietLogger } from '../support/services.js';
import { type DomainHarness, newId, startDomain } from './conversations-support.js';
import { topicExamples, topicTrends } from './topic-reads.js';

const PASSWORD = [
  'I forgot my password, how do I reset it?',
  'How can I reset my password?',
  'The password reset link never arrived',
];
const PROCTORING = [
  'How do I assign a proctor for the final exam?',
  'Where do I set up the proctor for an exam?',
];
const LONE = 'Is the cafeteria open on Sundays?';

/** Learners of the development LMS talking to the chat over HTTP, each in a thread of their own. */
function chatClient(app: () => TestApp) {
  const call = async (token: string, route: string, init: RequestInit = {}) => {
    const response = await fetch(`${app().url}${route}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });
    const text = await response.text();
    return {
      status: response.status,
      body: (text ? JSON.parse(text) : null) as Record<string, unknown>,
      text,
    };
  };

  /**
   * A new learner asks `question`, waits for the bot's answer (the documents cover nothing here, so it is
   * a low-confidence one), and presses "Talk to a person". Returns the thread and the answer.
   */
  async function askThenHandOff(question: string, options: { rateDown?: boolean } = {}) {
    const { sessionToken } = await launchWith(app().url, {
      role: 'learner',
      change: (claims) => {
        claims.sub = `topic-learner-${randomUUID()}`;
      },
    });
    const opened = await call(sessionToken, '/api/chat');
    const conversationId = (opened.body.conversation as { id: string }).id;
    const clientId = `c-${randomUUID()}`;
    const posted = await call(sessionToken, '/api/chat/messages', {
      method: 'POST',
      body: JSON.stringify({ conversationId, clientId, text: question }),
    });
    expect(posted.status, posted.text).to.equal(201);
    const answer = await eventually(async () => {
      const { body } = await call(sessionToken, '/api/chat');
      return (body.messages as { id: string; clientId: string }[]).find(
        (m) => m.clientId === `bot:${clientId}`,
      );
    }, 'the bot answer');
    if (options.rateDown) {
      const rated = await call(sessionToken, `/api/chat/messages/${answer.id}/feedback`, {
        method: 'POST',
        body: JSON.stringify({ value: 'down' }),
      });
      expect(rated.status, rated.text).to.be.within(200, 204);
    }
    const handed = await call(sessionToken, '/api/chat/handoff', {
      method: 'POST',
      body: JSON.stringify({ conversationId }),
    });
    expect(handed.status, handed.text).to.equal(200);
    return { conversationId, answerId: answer.id };
  }
  return { askThenHandOff };
}

/** The stored row of a thread's question, once its jobs have run (handoff reason recorded). */
const rowOf = async (conversationId: string) => {
  const rows = () =>
    TopicAssignmentModel.find({ conversationId: new Types.ObjectId(conversationId) }).lean<
      TopicAssignment[]
    >();
  try {
    return await eventually(
      // One question per thread here: one row, with the handoff among its reasons.
      async () => {
        const stored = await rows();
        return stored.length === 1 && stored[0]?.reasons.includes('handoff') ? stored[0] : undefined;
      },
      `the topic row of ${conversationId}`,
    );
  } catch (error) {
    // What was stored instead, so that a miss says which job did not do its part.
    const stored = (await rows()).map(({ questionKey, reasons, topicId, method }) => ({
      questionKey,
      reasons,
      topicId,
      method,
    }));
    throw new Error(`${(error as Error).message}; rows stored: ${JSON.stringify(stored)}`);
  }
};

/** Runs a tenant's re-clustering now, as the scheduled job does, and waits for the job to finish. */
async function recluster(app: TestApp, tenantId: string) {
  const jobId = `test-recluster-${tenantId}-${randomUUID()}`;
  await app.runtime.queues.enqueue('topics', 'recluster', { tenantId }, { jobId });
  return eventually(async () => {
    const job = await app.runtime.queues.get('topics').getJob(jobId);
    // A run that found another holding the tenant is retried: only a final failure fails the test.
    if (job && (await job.getState()) === 'failed') throw new Error(job.failedReason);
    return job?.finishedOn ? job.returnvalue : undefined;
  }, 'the re-clustering job');
}

const topicIdOf = async (conversationId: string) => {
  const row = await TopicAssignmentModel.findOne({
    conversationId: new Types.ObjectId(conversationId),
  }).lean<TopicAssignment>();
  return row?.topicId ? String(row.topicId) : null;
};

describe('topics: handoffs get topics through the jobs (no model)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let tenantId: string;
  let domain: DomainHarness;
  let stopListening: () => void;
  const client = chatClient(() => app);

  before(async () => {
    app = await startTestApp({ worker: true });
    const { sessionToken } = await launch(app.url, { role: 'admin' });
    tenantId = (await verifySessionToken(sessionToken, app.config.LTI_ENCRYPTION_KEY)).tenantId;
    // A second tenant's threads, through the conversation domain with the same job listeners.
    domain = await startDomain();
    stopListening = registerJobListeners(domain.bus, app.runtime.queues, quietLogger);
  });
  after(async () => {
    stopListening?.();
    await domain?.close();
    await app?.stop();
  });

  it('clusters handed-off questions into topics that keep their ids, and a later question joins its topic', async () => {
    const password = [];
    for (const [i, q] of PASSWORD.slice(0, 2).entries())
      password.push(await client.askThenHandOff(q, { rateDown: i === 0 }));
    const proctoring = [];
    for (const q of PROCTORING) proctoring.push(await client.askThenHandOff(q));
    const lone = await client.askThenHandOff(LONE);

    // Every question has one row with every reason that brought it, and waits: no topic exists yet.
    const first = await rowOf(password[0]?.conversationId ?? '');
    await eventually(async () => {
      const row = await TopicAssignmentModel.findOne({ _id: first._id }).lean<TopicAssignment>();
      return (
        row && ['handoff', 'low_confidence', 'thumbs_down'].every((r) => row.reasons.includes(r as never))
      );
    }, 'the three reasons of the rated question');
    for (const t of [...password, ...proctoring, lone]) {
      // The handoff's job and the low-confidence answer's job run independently: wait for both.
      const row = await eventually(async () => {
        const r = await rowOf(t.conversationId);
        return r.reasons.includes('low_confidence') ? r : undefined;
      }, `both reasons of ${t.conversationId}`);
      expect(row.topicId).to.equal(null);
      expect(row.handoffReasons).to.include('human_request');
    }
    expect(
      await TopicAssignmentModel.countDocuments({ conversationId: new Types.ObjectId(first.conversationId) }),
    ).to.equal(1);

    const run = await recluster(app, tenantId);
    expect(run).to.include({ representation: 'tfidf' });
    const passwordTopic = await topicIdOf(password[0]?.conversationId ?? '');
    const proctorTopic = await topicIdOf(proctoring[0]?.conversationId ?? '');
    expect(passwordTopic).to.be.a('string');
    expect(await topicIdOf(password[1]?.conversationId ?? '')).to.equal(passwordTopic);
    expect(await topicIdOf(proctoring[1]?.conversationId ?? '')).to.equal(proctorTopic);
    expect(proctorTopic).to.be.a('string').and.not.equal(passwordTopic);
    expect(await topicIdOf(lone.conversationId)).to.equal(null);
    // The hourly sweep finds the tenant (its lone question still waits) and asks for a run.
    expect(await tenantsWithWaitingQuestions(new Date(Date.now() - 3600_000))).to.include(tenantId);
    const sweepId = `test-sweep-${randomUUID()}`;
    await app.runtime.queues.enqueue('topics', 'sweep', {}, { jobId: sweepId });
    const swept = await eventually(async () => {
      const job = await app.runtime.queues.get('topics').getJob(sweepId);
      return job?.finishedOn ? (job.returnvalue as { tenants: number }) : undefined;
    }, 'the sweep');
    expect(swept.tenants).to.be.at.least(1);
    const labels = await TopicModel.find({ tenantId: new Types.ObjectId(tenantId) }).lean();
    const passwordLabel = labels.find((t) => String(t._id) === passwordTopic)?.label;
    expect(passwordLabel).to.match(/password/);
    expect(labels.find((t) => String(t._id) === proctorTopic)?.label).to.match(/proctor/);

    // A new question on a known topic joins it at once, without waiting for a run.
    const later = await client.askThenHandOff(PASSWORD[2] as string);
    await eventually(
      async () => (await topicIdOf(later.conversationId)) === passwordTopic,
      'the nearest topic',
    );
    expect((await rowOf(later.conversationId)).method).to.equal('nearest');

    // Another run keeps every id and the label.
    await recluster(app, tenantId);
    expect(await topicIdOf(password[0]?.conversationId ?? '')).to.equal(passwordTopic);
    expect(await topicIdOf(proctoring[1]?.conversationId ?? '')).to.equal(proctorTopic);
    expect((await TopicModel.findById(passwordTopic).lean())?.label).to.equal(passwordLabel);
    expect((await TopicModel.findById(passwordTopic).lean())?.memberCount).to.equal(3);

    // The dashboard's read: counts per topic and ISO week in a range.
    const now = Date.now();
    const trends = await topicTrends({
      tenantId,
      from: new Date(now - 14 * 86_400_000),
      to: new Date(now + 86_400_000),
    });
    const byId = new Map(trends.topics.map((t) => [t.topicId, t]));
    expect(byId.get(passwordTopic)?.total).to.equal(3);
    expect(byId.get(proctorTopic)?.total).to.equal(2);
    expect(byId.get(null)?.total).to.equal(1);
    expect(byId.get(passwordTopic)?.weeks.reduce((s, w) => s + w.count, 0)).to.equal(3);
    expect(trends.weeks.length).to.be.within(2, 4);
    const examples = await topicExamples({
      tenantId,
      topicId: passwordTopic ?? '',
      from: new Date(now - 86_400_000),
      to: new Date(now + 86_400_000),
      limit: 2,
    });
    expect(examples.map((e) => e.question)).to.deep.equal([PASSWORD[2], PASSWORD[1]]);
  });

  it("keeps a second tenant's topics separate", async () => {
    const other = newId();
    const courseId = newId();
    const threads: string[] = [];
    for (const question of PASSWORD.slice(0, 2)) {
      const actor = { userId: newId(), role: 'learner' as const, name: 'Other Learner' };
      const opened = await domain.service.openOrContinue({ tenantId: other, actor, courseId, locale: 'en' });
      const conversationId = opened.conversation.id;
      await domain.service.postLearnerMessage({
        tenantId: other,
        actor,
        conversationId,
        clientId: `c-${randomUUID()}`,
        text: question,
      });
      await domain.service.requestHandoff({ tenantId: other, actor, conversationId });
      threads.push(conversationId);
    }
    for (const id of threads) expect(String((await rowOf(id)).tenantId)).to.equal(other);
    await recluster(app, other);
    const theirs = await topicIdOf(threads[0] ?? '');
    expect(theirs).to.be.a('string');
    expect(await topicIdOf(threads[1] ?? '')).to.equal(theirs);
    const mine = await TopicModel.find({ tenantId: new Types.ObjectId(tenantId) }).lean();
    expect(mine.map((t) => String(t._id))).not.to.include(theirs);
    const trends = await topicTrends({
      tenantId,
      from: new Date(Date.now() - 86_400_000),
      to: new Date(Date.now() + 86_400_000),
    });
    expect(trends.topics.map((t) => t.topicId)).not.to.include(theirs);
    const course = await topicTrends({
      tenantId: other,
      courseId,
      from: new Date(Date.now() - 86_400_000),
      to: new Date(Date.now() + 86_400_000),
    });
    expect(course.total).to.equal(2);
  });
});

describe('topics: with a chat model, labels chosen from the existing topics first', function () {
  this.timeout(120_000);
  let app: TestApp;
  let fake: FakeOpenAI;
  const client = chatClient(() => app);
  /** The label the fake model gives (per question); '500' makes the request fail. */
  const labels = new Map<string, string>();

  before(async () => {
    fake = await new FakeOpenAI().start();
    fake.reply = (body) => {
      const format = body.response_format as { json_schema?: { name?: string } } | undefined;
      if (format?.json_schema?.name !== 'topic') return 'The passages do not say.\nCONFIDENCE: 0.1';
      const messages = body.messages as { content: string }[];
      const prompt = String(messages.at(-1)?.content ?? '');
      const label = [...labels].find(([q]) => prompt.includes(q))?.[1] ?? 'Other';
      return JSON.stringify({ label });
    };
    app = await startTestApp({
      worker: true,
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url },
    });
  });
  after(async () => {
    await app?.stop();
    await fake?.stop();
  });

  it('names a new topic, then files the next question under the existing label; clustering decides on failure', async () => {
    labels.set(PASSWORD[0] as string, 'Password reset');
    labels.set(PASSWORD[1] as string, 'password reset.'); // the model echoing an existing label loosely
    const first = await client.askThenHandOff(PASSWORD[0] as string);
    const firstTopic = await eventually(
      async () => (await topicIdOf(first.conversationId)) ?? undefined,
      'the model topic',
    );
    const topic = await eventually(
      async () => (await TopicModel.findById(firstTopic).lean()) ?? undefined,
      'the model topic stored',
    );
    expect(topic).to.include({ label: 'Password reset', labelSource: 'model' });

    const second = await client.askThenHandOff(PASSWORD[1] as string);
    await eventually(
      async () => (await topicIdOf(second.conversationId)) === firstTopic,
      'the existing topic',
    );
    expect((await rowOf(second.conversationId)).method).to.equal('model');
    // The model was shown the tenant's labels to choose from.
    const prompts = fake
      .sent('chat/completions')
      .filter(
        (r) => (r.body.response_format as { json_schema?: { name?: string } })?.json_schema?.name === 'topic',
      )
      .map((r) => JSON.stringify(r.body.messages));
    expect(prompts.some((p) => p.includes('- Password reset') && p.includes(PASSWORD[1] as string))).to.equal(
      true,
    );

    // The model fails: the question is clustered instead (nearest topic or waiting), never lost.
    fake.mode = '500';
    try {
      const third = await client.askThenHandOff(LONE);
      const row = await rowOf(third.conversationId);
      expect(row.method).to.not.equal('model');
    } finally {
      fake.mode = 'ok';
    }
  });
});
