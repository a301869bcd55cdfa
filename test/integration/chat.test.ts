import { expect } from 'chai';
import { MessageModel } from '../../src/conversations/index.js';
import { KnowledgeService, KnowledgeSourceModel } from '../../src/knowledge/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { launch } from '../support/lms-client.js';
import { FakeOpenAI } from '../support/openai-fake.js';
import { readEvents } from '../support/sse.js';

/** A tiny knowledge base for the development LMS tenant, through the real ingestion job. */
async function seedPasswordArticle(app: TestApp) {
  const { sessionToken } = await launch(app.url, { role: 'learner' });
  const payload = JSON.parse(Buffer.from(sessionToken.split('.')[1] ?? '', 'base64url').toString());
  const service = new KnowledgeService({
    queues: app.runtime.queues,
    config: app.config,
    redis: app.runtime.redis,
  });
  await service.addFile({
    tenantId: payload.tid,
    courseId: null,
    filename: 'resetting-your-password.md',
    mimeType: 'text/markdown',
    bytes: Buffer.from(
      '# Resetting your password\n\nIf you forgot your password:\n\n1. Open the sign-in page.\n2. Select **Forgot password**.\n3. Enter your email address and follow the link we send you.\n',
    ),
  });
  await eventually(
    async () =>
      (
        (await KnowledgeSourceModel.findOne({ filename: 'resetting-your-password.md' }).lean()) as {
          status?: string;
        } | null
      )?.status === 'ready',
    'the help article to be ingested',
    30_000,
  );
}

/**
 * A promise resolved by `onOpen` (readEvents calls it once the stream's response has started: the server
 * registers the stream before it answers, so a message posted after it is heard, tokens included).
 */
function streamOpening(): { opened: Promise<void>; onOpen: () => void } {
  let onOpen = () => {};
  const opened = new Promise<void>((resolve) => {
    onOpen = resolve;
  });
  return { opened, onOpen };
}

async function api(app: TestApp, token: string, path: string, init: RequestInit = {}) {
  const response = await fetch(`${app.url}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(init.headers ?? {}),
    },
  });
  return { status: response.status, body: response.status === 204 ? null : await response.json() };
}

describe('learner chat over HTTP and the live channel', function () {
  this.timeout(60_000);
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ worker: true });
    await seedPasswordArticle(app);
  });
  after(() => app?.stop());

  it('a learner asks, the answer streams over the live channel and arrives stored with citations', async () => {
    const { sessionToken } = await launch(app.url, { role: 'learner' });
    const opened = await api(app, sessionToken, '/api/chat');
    expect(opened.status).to.equal(200);
    const conversationId = opened.body.conversation.id;
    const stream = streamOpening();
    const listening = readEvents(
      `${app.url}/api/chat/events`,
      sessionToken,
      (events) => events.some((event) => event.type === 'message' && event.data.message.author === 'bot'),
      { lastEventId: opened.body.lastEventId, onOpen: stream.onOpen },
    );
    await stream.opened;
    const posted = await api(app, sessionToken, '/api/chat/messages', {
      method: 'POST',
      body: JSON.stringify({
        conversationId,
        clientId: 'client-0001-abc',
        text: 'I forgot my password, how do I reset it?',
      }),
    });
    expect(posted.status).to.equal(201);
    const events = await listening;
    const answer = events.find((event) => event.type === 'message' && event.data.message.author === 'bot')
      ?.data.message;
    expect(answer.text).to.match(/Forgot password/);
    expect(answer.citations[0].title).to.equal('Resetting your password');
    // Extractive answers arrive whole; the typing signal brackets the work.
    expect(events.some((event) => event.type === 'typing' && event.data.active === true)).to.equal(true);
    const learnerEvent = events.find(
      (event) => event.type === 'message' && event.data.message.author === 'learner',
    );
    expect(Number(learnerEvent?.id)).to.be.lessThan(
      Number(events.find((e) => e.data.message?.author === 'bot')?.id),
    );
  });

  it('a retried message with the same client id is stored once', async () => {
    const { sessionToken } = await launch(app.url, { role: 'learner' });
    const { body } = await api(app, sessionToken, '/api/chat');
    const send = () =>
      api(app, sessionToken, '/api/chat/messages', {
        method: 'POST',
        body: JSON.stringify({
          conversationId: body.conversation.id,
          clientId: 'client-retry-0001',
          text: 'Where are my grades?',
        }),
      });
    const [first, second] = await Promise.all([send(), send()]);
    expect(first.body.message.id).to.equal(second.body.message.id);
    const reopened = await api(app, sessionToken, '/api/chat');
    expect(
      reopened.body.messages.filter((m: { clientId: string }) => m.clientId === 'client-retry-0001'),
    ).to.have.length(1);
  });

  it('"Talk to a person" hands the thread off and the learner is told when to expect a reply', async () => {
    const { sessionToken } = await launch(app.url, { role: 'learner' });
    const { body } = await api(app, sessionToken, '/api/chat');
    const handed = await api(app, sessionToken, '/api/chat/handoff', {
      method: 'POST',
      body: JSON.stringify({ conversationId: body.conversation.id }),
    });
    expect(handed.status).to.equal(200);
    expect(handed.body.conversation.status).to.equal('waiting');
    const history = await api(app, sessionToken, '/api/chat');
    const system = history.body.messages
      .filter((m: { author: string }) => m.author !== 'learner')
      .map((m: { text: string }) => m.text)
      .join('\n');
    expect(system).to.match(/reply|support/i);
  });

  it('bad input gets a clear 4xx and never a stack trace', async () => {
    const { sessionToken } = await launch(app.url, { role: 'learner' });
    const { body } = await api(app, sessionToken, '/api/chat');
    const tooLong = await api(app, sessionToken, '/api/chat/messages', {
      method: 'POST',
      body: JSON.stringify({
        conversationId: body.conversation.id,
        clientId: 'client-long-0001',
        text: 'x'.repeat(5000),
      }),
    });
    expect(tooLong.status).to.be.within(400, 499);
    expect(tooLong.body.error.message).to.match(/4000/);
    const noId = await api(app, sessionToken, '/api/chat/messages', {
      method: 'POST',
      body: JSON.stringify({ text: 'hi' }),
    });
    expect(noId.status).to.equal(400);
    expect(noId.body.error.message).to.match(/^conversationId/);
    const foreign = await api(app, sessionToken, '/api/chat/messages/0123456789abcdef01234567/feedback', {
      method: 'POST',
      body: JSON.stringify({ value: 'up' }),
    });
    expect(foreign.status).to.equal(404);
  });
});

describe('learner chat with a model configured (local OpenAI-compatible server)', function () {
  this.timeout(60_000);
  let app: TestApp;
  const fake = new FakeOpenAI();
  before(async () => {
    await fake.start();
    fake.reply =
      'To reset your password, open the sign-in page and select Forgot password, then follow the emailed link [1].\nCONFIDENCE: 0.9';
    app = await startTestApp({
      worker: true,
      env: { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: fake.url },
    });
    await seedPasswordArticle(app);
  });
  after(async () => {
    await app?.stop();
    await fake.stop();
  });

  it('streams the answer token by token, in order, then stores it with its evidence', async () => {
    const { sessionToken } = await launch(app.url, { role: 'learner' });
    const opened = await api(app, sessionToken, '/api/chat');
    const stream = streamOpening();
    const listening = readEvents(
      `${app.url}/api/chat/events`,
      sessionToken,
      (events) => events.some((event) => event.type === 'message' && event.data.message.author === 'bot'),
      { lastEventId: opened.body.lastEventId, onOpen: stream.onOpen },
    );
    await stream.opened;
    await api(app, sessionToken, '/api/chat/messages', {
      method: 'POST',
      body: JSON.stringify({
        conversationId: opened.body.conversation.id,
        clientId: 'client-model-0001',
        text: 'How do I reset my password?',
      }),
    });
    const events = await listening;
    const streamed = events
      .filter((event) => event.type === 'token')
      .map((event) => event.data.text)
      .join('');
    const stored = events.find((event) => event.type === 'message' && event.data.message.author === 'bot')
      ?.data.message;
    expect(events.filter((event) => event.type === 'token').length).to.be.greaterThan(3);
    expect(stored.text).to.equal(streamed.trim());
    expect(stored.text).not.to.contain('CONFIDENCE');
    const record = await MessageModel.findById(stored.id).lean();
    expect(record?.answer).to.include({ mode: 'model', degraded: false });
    expect(record?.answer?.passages.length).to.be.greaterThan(0);
    const chatRequest = fake.requests.find((request) => request.path.endsWith('/chat/completions'));
    expect(JSON.stringify(chatRequest?.body)).to.contain('Forgot password');
  });

  it('a reconnect in the middle of a streamed answer loses nothing and repeats nothing', async () => {
    // The answer stops after three chunks until the second connection is open: it resumes mid-answer.
    fake.rearmPause();
    fake.pauseAfterChunks = 3;
    try {
      const { sessionToken } = await launch(app.url, { role: 'learner' });
      const opened = await api(app, sessionToken, '/api/chat');
      const since = opened.body.lastEventId;
      // First connection: drop it as soon as the answer starts streaming.
      const stream = streamOpening();
      const first = readEvents(
        `${app.url}/api/chat/events`,
        sessionToken,
        (events) => events.some((e) => e.type === 'token'),
        { lastEventId: since, onOpen: stream.onOpen },
      );
      await stream.opened;
      await api(app, sessionToken, '/api/chat/messages', {
        method: 'POST',
        body: JSON.stringify({
          conversationId: opened.body.conversation.id,
          clientId: 'client-reconnect-1',
          text: 'How do I reset my password?',
        }),
      });
      const beforeDrop = await first;
      const lastSeen = [...beforeDrop].reverse().find((event) => event.id)?.id ?? since;
      // Second connection resumes from the last id it saw, while the answer is still being written.
      const second = await readEvents(
        `${app.url}/api/chat/events`,
        sessionToken,
        (events) => events.some((e) => e.type === 'message' && e.data.message.author === 'bot'),
        { lastEventId: lastSeen, onOpen: () => fake.releaseStreams() },
      );
      const stored = [...beforeDrop, ...second].filter((event) => event.type === 'message');
      const ids = stored.map((event) => event.data.message.id);
      expect(new Set(ids).size, 'no event delivered twice').to.equal(ids.length);
      expect(stored.map((event) => event.data.message.author)).to.include.members(['learner', 'bot']);
      const seqs = stored.map((event) => Number(event.id));
      expect(seqs).to.deep.equal([...seqs].sort((a, b) => a - b));
    } finally {
      fake.pauseAfterChunks = undefined;
      fake.releaseStreams();
    }
  });
});
