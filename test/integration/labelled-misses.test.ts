import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Types } from 'mongoose';
import { EventModel } from '../../src/events/event.model.js';
import type { MissedQuestionDto } from '../../src/http/presenters/labelled-miss.presenter.js';
import { KnowledgeService, KnowledgeSourceModel, readQuestions } from '../../src/knowledge/index.js';
import { LabelledMissModel } from '../../src/knowledge/labelled-miss.model.js';
import { recordMisses } from '../../src/knowledge/labelled-miss.record.js';
import { verifySessionToken } from '../../src/lti/session.js';
import { apiCall, strangerToken } from '../support/api.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { launch, launchWith } from '../support/lms-client.js';

const ARTICLE = 'resetting-your-password.md';

interface MissList {
  data: MissedQuestionDto[];
  page: number;
  pageCount: number;
  total: number;
  unreviewed: number;
}

describe('labelled misses: thumbs-down and handoff to the Knowledge page review and the eval export', function () {
  this.timeout(90_000);
  let app: TestApp;
  let adminToken: string;
  let tenantId: string;
  let articleId: string;

  const call = (token: string, route: string, init: RequestInit = {}) =>
    apiCall<Record<string, unknown> & MissList>(app.url, token, route, init);

  /** A learner of their own (a thread of their own) in the development LMS's course. */
  const learner = async () =>
    (
      await launchWith(app.url, {
        role: 'learner',
        change: (claims) => {
          claims.sub = `miss-learner-${randomUUID()}`;
        },
      })
    ).sessionToken;

  /** Asks in the chat and waits for the stored answer (the bot answers in the background). */
  async function ask(token: string, conversationId: string, text: string) {
    const clientId = `c-${randomUUID()}`;
    const posted = await call(token, '/api/chat/messages', {
      method: 'POST',
      body: JSON.stringify({ conversationId, clientId, text }),
    });
    expect(posted.status, posted.text).to.equal(201);
    return eventually(async () => {
      const opened = await call(token, '/api/chat');
      const messages = opened.body.messages as unknown as { id: string; clientId: string; text: string }[];
      return messages.find((m) => m.clientId === `bot:${clientId}`);
    }, 'the bot answer');
  }

  const rate = (token: string, messageId: string, value: 'up' | 'down') =>
    call(token, `/api/chat/messages/${messageId}/feedback`, {
      method: 'POST',
      body: JSON.stringify({ value }),
    });

  const handOff = (token: string, conversationId: string) =>
    call(token, '/api/chat/handoff', { method: 'POST', body: JSON.stringify({ conversationId }) });

  /** The misses of one answer (a miss's id is its answer's) on the review list. */
  const listed = async (token: string, answerId: string) => {
    const { body } = await call(token, '/api/knowledge/misses?perPage=100');
    return body.data.filter((m) => m.id === answerId);
  };

  before(async () => {
    app = await startTestApp({ worker: true });
    adminToken = (await launch(app.url, { role: 'admin' })).sessionToken;
    tenantId = (await verifySessionToken(adminToken, app.config.LTI_ENCRYPTION_KEY)).tenantId;
    const service = new KnowledgeService({
      queues: app.runtime.queues,
      config: app.config,
      redis: app.runtime.redis,
    });
    const added = await service.addFile({
      tenantId,
      courseId: null,
      filename: ARTICLE,
      mimeType: 'text/markdown',
      bytes: Buffer.from(
        '# Resetting your password\n\nIf you forgot your password:\n\n1. Open the sign-in page.\n2. Select **Forgot password**.\n3. Enter your email address and follow the link we send you.\n',
      ),
    });
    articleId = added.source.id;
    await eventually(
      async () => (await KnowledgeSourceModel.findById(articleId).lean())?.status === 'ready',
      'the article to be ready',
    );
  });
  after(() => app?.stop());

  it('a thumbs-down then "Talk to a person" is one miss the admin sees, labels, and downloads as an eval set', async () => {
    const token = await learner();
    const opened = await call(token, '/api/chat');
    const conversationId = (opened.body.conversation as unknown as { id: string }).id;
    const question = 'I forgot my password, how do I reset it?';
    const answer = await ask(token, conversationId, question);
    expect((await rate(token, answer.id, 'down')).status).to.equal(204);
    const handed = await handOff(token, conversationId);
    expect(handed.status, handed.text).to.equal(200);

    const [miss] = await eventually(async () => {
      const found = await listed(adminToken, answer.id);
      return found.length > 0 && found;
    }, 'the miss on the Knowledge page');
    if (!miss) throw new Error('no miss');
    expect(miss).to.include({
      question,
      role: 'learner',
      language: 'en',
      signal: 'thumbs_down',
      label: null,
    });
    expect(miss.answer.text).to.not.equal('');
    expect(miss.answer.sources.map((s) => s.fileName)).to.include(ARTICLE);
    expect(miss.reasons.join(' ')).to.contain('asked for a person');
    // The rating and the miss went out as staff events.
    expect(
      await EventModel.exists({ name: 'answer.rated', 'payload.messageId': answer.id, visibility: 'staff' }),
    ).to.not.equal(null);
    await eventually(
      () => EventModel.exists({ name: 'knowledge.miss_recorded', 'payload.messageId': answer.id }),
      'knowledge.miss_recorded',
    );

    // The job runs again (a retry, or the same handoff heard twice): still one miss, no second event.
    const again = await recordMisses({ tenantId, conversationId, trigger: 'handoff' }, {
      emit: async () => {
        throw new Error('no event for a miss already recorded');
      },
    } as never);
    expect(again.recorded).to.deep.equal([]);
    expect(await listed(adminToken, answer.id)).to.have.length(1);
    expect(await LabelledMissModel.countDocuments({ _id: new Types.ObjectId(answer.id) })).to.equal(1);
    expect(
      await EventModel.countDocuments({ name: 'knowledge.miss_recorded', 'payload.messageId': answer.id }),
    ).to.equal(1);

    // A learner never reaches the review API.
    expect((await call(token, '/api/knowledge/misses')).status).to.equal(403);
    expect(
      (
        await call(token, `/api/knowledge/misses/${miss.id}/label`, {
          method: 'PUT',
          body: JSON.stringify({ label: 'dismissed' }),
        })
      ).status,
    ).to.equal(403);
    expect((await call(token, '/api/knowledge/misses/export.jsonl')).status).to.equal(403);

    // Another institution's admin sees nothing of it and cannot label it.
    const stranger = await strangerToken(app.config.LTI_ENCRYPTION_KEY);
    const theirs = await call(stranger, '/api/knowledge/misses');
    expect(theirs.status).to.equal(200);
    expect(theirs.body).to.include({ total: 0, unreviewed: 0 });
    const foreign = await call(stranger, `/api/knowledge/misses/${miss.id}/label`, {
      method: 'PUT',
      body: JSON.stringify({ label: 'dismissed' }),
    });
    expect(foreign.status).to.equal(404);
    expect((await call(stranger, '/api/knowledge/misses/export.jsonl')).text).to.equal('');

    // Bad labels: 400 naming the field, nothing saved.
    const label = (body: unknown) =>
      call(adminToken, `/api/knowledge/misses/${miss.id}/label`, {
        method: 'PUT',
        body: JSON.stringify(body),
      });
    const noSource = await label({ label: 'answerable' });
    expect(noSource.status).to.equal(400);
    expect((noSource.body.error as unknown as { message: string }).message).to.contain('sourceId');
    const unknown = await label({ label: 'maybe' });
    expect(unknown.status).to.equal(400);
    expect((unknown.body.error as unknown as { message: string }).message).to.contain('label');
    const notTheirs = await label({ label: 'answerable', sourceId: new Types.ObjectId().toHexString() });
    expect(notTheirs.status).to.equal(400);
    expect((notTheirs.body.error as unknown as { message: string }).message).to.contain('sourceId');
    expect((await listed(adminToken, answer.id))[0]?.label).to.equal(null);
    expect(await label({ label: 'dismissed' }).then((r) => r.status)).to.equal(200);
    expect(
      (await call(adminToken, '/api/knowledge/misses/0123/label', { method: 'PUT', body: '{}' })).status,
    ).to.equal(404);

    // Labels change: dismissed, then not covered, then answered in the article.
    const outOfScope = await label({ label: 'out_of_scope' });
    expect(outOfScope.status).to.equal(200);
    expect((outOfScope.body.data as unknown as MissedQuestionDto).label).to.equal('out_of_scope');
    const answerable = await label({ label: 'answerable', sourceId: articleId });
    expect(answerable.status).to.equal(200);
    expect(answerable.body.data as unknown as MissedQuestionDto).to.deep.include({
      label: 'answerable',
      labelSource: { id: articleId, title: 'Resetting your password', fileName: ARTICLE },
    });
    expect((await listed(adminToken, answer.id))[0]?.label).to.equal('answerable');

    // The export: JSONL in the eval's format, the file name the eval matches sources by.
    const exported = await call(adminToken, '/api/knowledge/misses/export.jsonl');
    expect(exported.status).to.equal(200);
    expect(exported.response.headers.get('content-type')).to.contain('application/x-ndjson');
    expect(exported.response.headers.get('content-disposition')).to.match(
      /attachment; filename="missed-questions-/,
    );
    const dir = mkdtempSync(path.join(tmpdir(), 'misses-'));
    try {
      const file = path.join(dir, 'misses.jsonl');
      writeFileSync(file, exported.text);
      const questions = await readQuestions(file);
      const line = exported.text.split('\n').find((l) => l.includes(`"miss-${answer.id}"`));
      expect(Object.keys(JSON.parse(line ?? '{}'))).to.deep.equal([
        'id',
        'question',
        'kind',
        'sources',
        'role',
      ]);
      expect(questions.find((q) => q.id === `miss-${answer.id}`)).to.deep.equal({
        id: `miss-${answer.id}`,
        question,
        kind: 'answerable',
        sources: [ARTICLE],
        role: 'learner',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('"Talk to a person" right after an answer counts like a thumbs-down; a thumbs-down while people have the thread too', async () => {
    const token = await learner();
    const opened = await call(token, '/api/chat');
    const conversationId = (opened.body.conversation as unknown as { id: string }).id;
    const first = 'I forgot my password, how do I reset it?';
    const second = 'How do I reset my password?';
    const firstAnswer = await ask(token, conversationId, first);
    const secondAnswer = await ask(token, conversationId, second);
    const handed = await handOff(token, conversationId);
    expect(handed.status, handed.text).to.equal(200);
    expect(handed.body.alreadyWithPeople).to.equal(false);

    const [asked] = await eventually(async () => {
      const found = await listed(adminToken, secondAnswer.id);
      return found.length > 0 && found;
    }, 'the miss of the answer read last');
    expect(asked).to.include({ signal: 'asked_for_person', question: second });
    // The first answer was not rated and not the last one read: no miss of it…
    expect(await listed(adminToken, firstAnswer.id)).to.deep.equal([]);
    // …until the learner gives it a thumbs-down while the thread waits for a person.
    expect((await rate(token, firstAnswer.id, 'down')).status).to.equal(204);
    const [rated] = await eventually(async () => {
      const found = await listed(adminToken, firstAnswer.id);
      return found.length > 0 && found;
    }, 'the miss of the answer rated after the handoff');
    expect(rated).to.include({ signal: 'thumbs_down', question: first });
    const list = await call(adminToken, '/api/knowledge/misses?perPage=100');
    // Newest first.
    const order = list.body.data.map((m) => m.id);
    expect(order.indexOf(firstAnswer.id)).to.be.within(0, order.indexOf(secondAnswer.id) - 1);
    expect(list.body.unreviewed).to.be.at.least(2);
    // Paging parameters are checked.
    const bad = await call(adminToken, '/api/knowledge/misses?page=0');
    expect(bad.status).to.equal(400);
    expect((bad.body.error as unknown as { message: string }).message).to.contain('page');
  });
});
