import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Types } from 'mongoose';
import type { GapDto, GapEntryDto } from '../../src/http/presenters/insights-gaps.presenter.js';
import { countGapAnswer } from '../../src/insights/gap.jobs.js';
import { GapAnswerHitModel, GapAnswerModel } from '../../src/insights/gap-answer.model.js';
import { GapReplyModel } from '../../src/insights/gap-reply.model.js';
import { type TopicAssignment, TopicAssignmentModel } from '../../src/insights/topic.model.js';
import { verifySessionToken } from '../../src/lti/session.js';
import { apiCall, strangerToken } from '../support/api.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { launch, launchWith } from '../support/lms-client.js';

const QUESTION = 'How do I assign a proctor for the final exam?';
const REPLY =
  'Open the final exam, choose Settings > Proctoring, pick the proctor from the staff list and save. The proctor gets an email at once.';

interface ChatMessage {
  id: string;
  clientId: string;
  author: string;
  text: string;
  citations: { title: string; path?: string }[];
}

describe('insights: documentation gaps over HTTP, from a real handoff to a Q&A the bot answers from', function () {
  this.timeout(180_000);
  let app: TestApp;
  let adminToken: string;
  let tenantId: string;

  const call = (token: string, route: string, init: RequestInit = {}) => apiCall(app.url, token, route, init);

  const learner = async () =>
    (
      await launchWith(app.url, {
        role: 'learner',
        change: (claims) => {
          claims.sub = `gaps-learner-${randomUUID()}`;
        },
      })
    ).sessionToken;

  /** A new learner asks `text` and waits for the bot's stored answer. */
  async function ask(text: string) {
    const token = await learner();
    const opened = await call(token, '/api/chat');
    const conversationId = opened.body.conversation.id as string;
    const clientId = `c-${randomUUID()}`;
    const posted = await call(token, '/api/chat/messages', {
      method: 'POST',
      body: JSON.stringify({ conversationId, clientId, text }),
    });
    expect(posted.status, posted.text).to.equal(201);
    const answer = await eventually(async () => {
      const thread = (await call(token, '/api/chat')).body as { messages: ChatMessage[] };
      return thread.messages.find((m) => m.clientId === `bot:${clientId}`);
    }, 'the bot answer');
    return { token, conversationId, answer };
  }

  /** A learner's question handed to a person, the admin's reply, and the thread resolved. */
  async function handOffAndResolve(question: string, reply: string) {
    const asked = await ask(question);
    const handed = await call(asked.token, '/api/chat/handoff', {
      method: 'POST',
      body: JSON.stringify({ conversationId: asked.conversationId }),
    });
    expect(handed.status, handed.text).to.be.oneOf([200, 201]);
    // The topic job stores the question's row (it waits for a topic until the tenant is re-clustered).
    await eventually(async () => {
      const row = await TopicAssignmentModel.findOne({
        conversationId: new Types.ObjectId(asked.conversationId),
      }).lean<TopicAssignment>();
      return row?.reasons.includes('handoff') ? row : undefined;
    }, 'the topic row of the handoff');
    const base = `/api/inbox/conversations/${asked.conversationId}`;
    expect((await call(adminToken, `${base}/claim`, { method: 'POST' })).status).to.equal(200);
    const replied = await call(adminToken, `${base}/reply`, {
      method: 'POST',
      body: JSON.stringify({ clientId: `r-${randomUUID()}`, text: reply }),
    });
    expect(replied.status, replied.text).to.equal(201);
    return asked;
  }

  const resolve = async (conversationId: string) => {
    const resolved = await call(adminToken, `/api/inbox/conversations/${conversationId}/resolve`, {
      method: 'POST',
      body: '{}',
    });
    expect(resolved.status, resolved.text).to.equal(200);
  };

  const gapsOf = async (token: string, query = '') => {
    const res = await call(token, `/api/insights/gaps${query}`);
    expect(res.status, res.text).to.equal(200);
    return res.body.data as { gaps: GapDto[]; questions: number };
  };
  const threadIn = (gaps: GapDto[], conversationId: string) =>
    gaps
      .flatMap((g) => g.threads.map((t) => ({ gap: g, thread: t })))
      .find((x) => x.thread.conversationId === conversationId);

  before(async () => {
    app = await startTestApp({ worker: true });
    adminToken = (await launch(app.url, { role: 'admin' })).sessionToken;
    tenantId = (await verifySessionToken(adminToken, app.config.LTI_ENCRYPTION_KEY)).tenantId;
  });
  after(() => app?.stop());

  it('shows a resolved handoff with its staff reply; Turn into a Q&A makes the bot answer the next learner, counted once', async () => {
    const first = await handOffAndResolve(QUESTION, REPLY);
    // Not resolved yet: listed as a question, without a reply, and not yet a Q&A.
    const open = await gapsOf(adminToken);
    const waiting = open.gaps.find((g) => g.examples.some((e) => e.conversationId === first.conversationId));
    expect(waiting, 'the question among the gaps').to.not.equal(undefined);
    expect(threadIn(open.gaps, first.conversationId)).to.equal(undefined);
    const early = await call(adminToken, `/api/insights/gaps/threads/${first.conversationId}`);
    expect(early.status).to.equal(409);
    expect(early.body.error.message).to.match(/resolved/);

    await resolve(first.conversationId);
    // The reply is kept at resolution, so the gaps read finds it by the thread's id.
    const kept = await eventually(
      async () =>
        (await GapReplyModel.findById(new Types.ObjectId(first.conversationId)).lean()) ?? undefined,
      'the kept reply',
    );
    expect(kept).to.include({ text: REPLY, question: QUESTION, open: false });
    const listed = await gapsOf(adminToken);
    const found = threadIn(listed.gaps, first.conversationId);
    expect(found, 'the resolved thread with its reply').to.not.equal(undefined);
    expect(found?.thread.reply.text).to.equal(REPLY);
    expect(found?.thread.question).to.equal(QUESTION);
    expect(found?.thread.inboxUrl).to.equal(`/inbox#conversation=${first.conversationId}`);
    expect(found?.gap.count).to.be.at.least(1);
    expect(found?.gap.examples.map((e) => e.question)).to.include(QUESTION);

    // The form's draft: the learner's question and the whole staff reply.
    const draft = await call(adminToken, `/api/insights/gaps/threads/${first.conversationId}`);
    expect(draft.status, draft.text).to.equal(200);
    expect(draft.body.data).to.include({ question: QUESTION, answer: REPLY, hasCourse: true });

    const edited = `${REPLY} Ask the exams office if the list is empty.`;
    const saved = await call(adminToken, '/api/insights/gaps/qa', {
      method: 'POST',
      body: JSON.stringify({
        conversationId: first.conversationId,
        topicId: found?.gap.topicId ?? null,
        question: QUESTION,
        answer: edited,
        scope: 'course',
      }),
    });
    expect(saved.status, saved.text).to.equal(201);
    const entry = saved.body.data as GapEntryDto;
    expect(entry).to.include({ question: QUESTION, scope: 'course', answered: 0 });
    // Searchable as any Q&A: it is listed on the Knowledge page's API.
    const sources = await call(adminToken, '/api/knowledge/sources');
    expect(sources.body.data.map((s: { id: string }) => s.id)).to.include(entry.id);
    // The form opened again on that thread starts from the entry made of it.
    const again = await call(adminToken, `/api/insights/gaps/threads/${first.conversationId}`);
    expect(again.body.data.entry).to.include({ id: entry.id, scope: 'course' });

    // The next learner asking the same gets the answer from the entry, citing it.
    const next = await ask(QUESTION);
    expect(next.answer.text).to.include('Proctoring');
    expect(next.answer.citations.map((c) => c.title)).to.include(QUESTION);

    const counted = await eventually(async () => {
      const gaps = (await gapsOf(adminToken)).gaps;
      const t = threadIn(gaps, first.conversationId);
      return t?.thread.entry && t.thread.entry.answered >= 1 ? t.thread.entry : undefined;
    }, 'the answered-later count');
    expect(counted).to.include({ id: entry.id, answered: 1 });

    // The count job run again for the same answer (a retry) counts nothing more.
    const path = next.answer.citations.find((c) => c.path?.startsWith('qa/'))?.path ?? '';
    const payload = {
      tenantId,
      conversationId: next.conversationId,
      messageId: next.answer.id,
      paths: [path],
      at: new Date().toISOString(),
    };
    const deps = { redis: app.runtime.redis, prefix: app.config.REDIS_PREFIX };
    expect(await countGapAnswer(payload, deps)).to.equal(0);
    const entryId = new Types.ObjectId(entry.id);
    expect(await GapAnswerHitModel.countDocuments({ gapAnswerId: entryId })).to.equal(1);
    // A job stopped after numbering its answer but before the entry's count: the retry finishes the count.
    await GapAnswerModel.updateOne({ _id: entryId }, { $set: { answered: 0 } });
    expect(await countGapAnswer(payload, deps)).to.equal(0);
    expect((await GapAnswerModel.findById(entryId).lean())?.answered).to.equal(1);
  });

  it('refuses learners and instructors the Q&A, bad input with 400s naming the field, and shows another tenant nothing', async () => {
    const thread = await handOffAndResolve(
      'Where do I find the grading rubric for peer review?',
      'Rubrics are under Assignments > Peer review > Rubric.',
    );
    await resolve(thread.conversationId);
    const body = {
      conversationId: thread.conversationId,
      question: 'Where is the peer review rubric?',
      answer: 'Assignments > Peer review > Rubric.',
      scope: 'institution',
    };
    const post = (token: string, data: unknown) =>
      call(token, '/api/insights/gaps/qa', { method: 'POST', body: JSON.stringify(data) });

    const learnerToken = await learner();
    expect((await call(learnerToken, '/api/insights/gaps')).status).to.equal(403);
    expect((await post(learnerToken, body)).status).to.equal(403);
    const instructor = (await launch(app.url, { role: 'instructor' })).sessionToken;
    expect((await post(instructor, body)).status).to.equal(403);
    // An instructor sees their course's gaps whatever course the request names.
    const mine = await gapsOf(instructor, `?course=${new Types.ObjectId().toHexString()}`);
    expect(threadIn(mine.gaps, thread.conversationId)).to.not.equal(undefined);

    const blank = await post(adminToken, { ...body, question: '  ' });
    expect(blank.status).to.equal(400);
    expect(blank.body.error.message).to.equal('question: A question is needed.');
    const noScope = await post(adminToken, { ...body, scope: 'planet' });
    expect(noScope.status).to.equal(400);
    expect(noScope.body.error.message).to.match(/^scope: /);
    const long = await post(adminToken, { ...body, answer: 'x'.repeat(9000) });
    expect(long.status).to.equal(400);
    expect(long.body.error.message).to.match(/^answer: The answer is too long/);
    const badId = await post(adminToken, { ...body, conversationId: 'nope' });
    expect(badId.status).to.equal(400);
    expect(badId.body.error.message).to.match(/^conversationId: /);
    expect(badId.text).to.not.match(/at .*\.ts:\d+/);
    const noTopic = await post(adminToken, { ...body, topicId: new Types.ObjectId().toHexString() });
    expect(noTopic.status).to.equal(400);
    expect(noTopic.body.error.message).to.equal('topicId: that topic was not found.');
    const badDates = await call(adminToken, '/api/insights/gaps?from=2026-02-31');
    expect(badDates.status).to.equal(400);
    // Nothing half-saved: no knowledge source came from the refused requests.
    const titles = (await call(adminToken, '/api/knowledge/sources')).body.data.map(
      (s: { title: string }) => s.title,
    );
    expect(titles).to.not.include('Where is the peer review rubric?');

    const stranger = await strangerToken(app.config.LTI_ENCRYPTION_KEY);
    expect((await gapsOf(stranger)).gaps).to.deep.equal([]);
    expect((await call(stranger, `/api/insights/gaps/threads/${thread.conversationId}`)).status).to.equal(
      404,
    );
    expect((await post(stranger, body)).status).to.equal(404);

    // Reopened, the thread is no longer shown as resolved, and cannot be turned into a Q&A.
    const reopened = await call(adminToken, `/api/inbox/conversations/${thread.conversationId}/reopen`, {
      method: 'POST',
      body: '{}',
    });
    expect(reopened.status, reopened.text).to.equal(200);
    await eventually(
      async () =>
        (await GapReplyModel.findById(new Types.ObjectId(thread.conversationId)).lean())?.open === true,
      'the kept reply marked open',
    );
    expect(threadIn((await gapsOf(adminToken)).gaps, thread.conversationId)).to.equal(undefined);
    expect((await post(adminToken, body)).status).to.equal(409);
  });
});
