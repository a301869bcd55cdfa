import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Types } from 'mongoose';
import type { DashboardDto } from '../../src/http/presenters/insights.presenter.js';
import { TopicAssignmentModel } from '../../src/insights/topic.model.js';
import { verifySessionToken } from '../../src/lti/session.js';
import { apiCall, strangerToken } from '../support/api.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { launch, launchWith } from '../support/lms-client.js';

describe('insights: the dashboard over HTTP, fed by the events of real threads', function () {
  this.timeout(120_000);
  let app: TestApp;
  let adminToken: string;
  let tenantId: string;
  let courseId: string;

  const call = (token: string, route: string, init: RequestInit = {}) =>
    apiCall<{ data?: DashboardDto; error?: { message: string } }>(app.url, token, route, init);

  const learner = async () =>
    (
      await launchWith(app.url, {
        role: 'learner',
        change: (claims) => {
          claims.sub = `insights-learner-${randomUUID()}`;
        },
      })
    ).sessionToken;

  /** Posts a learner message and waits for the bot's stored answer. */
  async function ask(token: string, text: string) {
    const opened = await call(token, '/api/chat');
    const conversationId = (JSON.parse(opened.text) as { conversation: { id: string } }).conversation.id;
    const clientId = `c-${randomUUID()}`;
    const posted = await call(token, '/api/chat/messages', {
      method: 'POST',
      body: JSON.stringify({ conversationId, clientId, text }),
    });
    expect(posted.status, posted.text).to.equal(201);
    const answer = await eventually(async () => {
      const thread = JSON.parse((await call(token, '/api/chat')).text) as {
        messages: { id: string; clientId: string }[];
      };
      return thread.messages.find((m) => m.clientId === `bot:${clientId}`);
    }, 'the bot answer');
    return { conversationId, answerId: answer.id };
  }

  before(async () => {
    app = await startTestApp({ worker: true });
    adminToken = (await launch(app.url, { role: 'admin' })).sessionToken;
    const session = await verifySessionToken(adminToken, app.config.LTI_ENCRYPTION_KEY);
    tenantId = session.tenantId;
    courseId = session.courseId ?? '';
  });
  after(() => app?.stop());

  it('counts a thread handed to a person: reason, first response, resolution and the thumbs-down', async () => {
    const token = await learner();
    const { conversationId, answerId } = await ask(
      token,
      'How do I change the colour of the sky in my course?',
    );
    expect(
      (
        await call(token, `/api/chat/messages/${answerId}/feedback`, {
          method: 'POST',
          body: JSON.stringify({ value: 'down' }),
        })
      ).status,
    ).to.be.oneOf([200, 204]);
    const handed = await call(token, '/api/chat/handoff', {
      method: 'POST',
      body: JSON.stringify({ conversationId }),
    });
    expect(handed.status, handed.text).to.be.oneOf([200, 201]);
    expect(
      (await call(adminToken, `/api/inbox/conversations/${conversationId}/claim`, { method: 'POST' })).status,
    ).to.equal(200);
    const reply = await call(adminToken, `/api/inbox/conversations/${conversationId}/reply`, {
      method: 'POST',
      body: JSON.stringify({ clientId: `r-${randomUUID()}`, text: 'Hello! Here is how.' }),
    });
    expect(reply.status, reply.text).to.equal(201);
    const resolved = await call(adminToken, `/api/inbox/conversations/${conversationId}/resolve`, {
      method: 'POST',
      body: '{}',
    });
    expect(resolved.status, resolved.text).to.equal(200);

    // The projector folds events in 10 s windows, so the figures appear within a window or two.
    const data = await eventually(
      async () => {
        const { body } = await call(adminToken, '/api/insights');
        const d = body?.data;
        return d && d.resolution.count >= 1 && d.ratings.down >= 1 ? d : undefined;
      },
      'the handed-off thread on the dashboard',
      40_000,
    );
    expect(data.conversations).to.be.at.least(1);
    expect(data.handedOff).to.be.at.least(1);
    expect(data.reasons.map((r) => r.label)).to.include('Asked for a person');
    expect(data.firstResponse.count).to.be.at.least(1);
    expect(data.firstResponse.p50Minutes).to.be.a('number');
    expect(data.daily.at(-1)?.conversations).to.be.at.least(1);
    expect(data.courses.map((c) => c.id)).to.include(courseId);

    // The same figures for the course, and as CSV.
    const course = await call(adminToken, `/api/insights?course=${courseId}`);
    expect(course.body?.data?.handedOff).to.equal(data.handedOff);
    const csv = await call(adminToken, '/api/insights/export.csv?table=reasons');
    expect(csv.status).to.equal(200);
    expect(csv.response.headers.get('content-type')).to.match(/text\/csv/);
    expect(csv.text).to.match(/Asked for a person,\d+,/);
  });

  it("counts the topics behind handoffs, and flags a spike by the tenant's rule", async () => {
    const questions = [
      'How do I reset my password for the course site? It keeps saying wrong password',
      'I need to reset my password, the course site says my password is wrong',
    ];
    const threads: string[] = [];
    for (const question of questions) {
      const token = await learner();
      const { conversationId } = await ask(token, question);
      const handed = await call(token, '/api/chat/handoff', {
        method: 'POST',
        body: JSON.stringify({ conversationId }),
      });
      expect(handed.status, handed.text).to.be.oneOf([200, 201]);
      threads.push(conversationId);
    }
    // Both questions wait for a topic until the tenant is clustered (a job normally delayed by minutes).
    for (const conversationId of threads)
      await eventually(
        async () =>
          (
            await TopicAssignmentModel.findOne({ conversationId: new Types.ObjectId(conversationId) }).lean()
          )?.reasons.includes('handoff'),
        'the question waiting for a topic',
      );
    const jobId = `test-insights-recluster-${randomUUID()}`;
    await app.runtime.queues.enqueue('topics', 'recluster', { tenantId }, { jobId });
    await eventually(async () => {
      const job = await app.runtime.queues.get('topics').getJob(jobId);
      // A run that found another holding the tenant is retried: only a final failure fails the test.
      if (job && (await job.getState()) === 'failed') throw new Error(job.failedReason);
      return job?.finishedOn !== undefined;
    }, 'the re-clustering job');

    const rule = await call(adminToken, '/api/insights/settings', {
      method: 'PUT',
      body: JSON.stringify({ spike: { factor: 2, minThreads: 2, trailingWeeks: 4 } }),
    });
    expect(rule.status, rule.text).to.equal(200);
    const topic = await eventually(
      async () => {
        const d = (await call(adminToken, '/api/insights')).body?.data;
        return d?.topics.find((t) => t.threads >= 2);
      },
      'the password topic on the dashboard',
      40_000,
    );
    expect(topic.label).to.match(/password|reset/i);
    expect(topic).to.deep.include({ spike: true });
    expect(topic.examples.length).to.be.at.least(1);
    const csv = await call(adminToken, '/api/insights/export.csv?table=topics');
    expect(csv.text).to.include(topic.label);

    // The rule is validated, and only admins change it.
    const bad = await call(adminToken, '/api/insights/settings', {
      method: 'PUT',
      body: JSON.stringify({ spike: { factor: 0, minThreads: 2, trailingWeeks: 4 } }),
    });
    expect(bad.status).to.equal(400);
    expect(bad.body?.error?.message).to.equal('spike.factor: at least 1.');
    const instructor = (await launch(app.url, { role: 'instructor' })).sessionToken;
    const refused = await call(instructor, '/api/insights/settings', {
      method: 'PUT',
      body: JSON.stringify({ spike: { factor: 3, minThreads: 2, trailingWeeks: 4 } }),
    });
    expect(refused.status).to.equal(403);
  });

  it('shows an instructor their own course only, refuses learners, and shows another tenant nothing', async () => {
    const instructor = (await launch(app.url, { role: 'instructor' })).sessionToken;
    const theirs = await call(instructor, `/api/insights?course=${new Types.ObjectId().toHexString()}`);
    expect(theirs.status).to.equal(200);
    expect(theirs.body?.data?.courseId).to.equal(courseId);
    expect(theirs.body?.data?.courses).to.deep.equal([]);

    const learnerToken = await learner();
    const refused = await call(learnerToken, '/api/insights');
    expect(refused.status).to.equal(403);
    expect((await call(learnerToken, '/insights')).status).to.equal(403);

    const stranger = await strangerToken(app.config.LTI_ENCRYPTION_KEY);
    const empty = await call(stranger, '/api/insights');
    expect(empty.status).to.equal(200);
    expect(empty.body?.data).to.include({ conversations: 0, handedOff: 0 });
    expect(tenantId).to.not.equal(undefined);
  });

  it('answers bad dates with a 400 that says what is wrong', async () => {
    const wrong = await call(adminToken, '/api/insights?from=2026-02-31');
    expect(wrong.status).to.equal(400);
    expect(wrong.text).to.not.match(/at .*\.ts:\d+/);
    const reversed = await call(adminToken, '/api/insights?from=2026-11-10&to=2026-11-01');
    expect(reversed.status).to.equal(400);
    expect(reversed.body?.error?.message).to.match(/start on or before/);
    const long = await call(adminToken, '/api/insights?from=2024-01-01&to=2026-01-01');
    expect(long.status).to.equal(400);
    expect(long.body?.error?.message).to.match(/at most 366 days/);
    const table = await call(adminToken, '/api/insights/export.csv?table=secrets');
    expect(table.status).to.equal(400);
  });
});
