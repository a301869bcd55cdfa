import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { MessageModel } from '../../src/conversations/index.js';
import type {
  KnowledgeMeaningDto,
  KnowledgeSourceDto,
} from '../../src/http/presenters/knowledge.presenter.js';
import { embedJobId } from '../../src/knowledge/embedding-retry.js';
import type { SourceMeaning } from '../../src/knowledge/embedding-status.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { EmbeddingsServer } from '../support/embeddings-server.js';
import { eventually } from '../support/eventually.js';
import { launch } from '../support/lms-client.js';

const CONCURRENCY = 2;
const BATCH = 3;

/**
 * Embeddings configured on their own (EMBEDDINGS_BASE_URL, no OPENAI_API_KEY) against a real local
 * embeddings server, through the real upload → ingestion job → retry job → chat path over HTTP.
 * One scenario in order: the server is down, comes back, is loaded hard, then hangs.
 */
describe('embeddings degrade, never drop (local embeddings server)', function () {
  this.timeout(120_000);
  const server = new EmbeddingsServer();
  let app: TestApp;
  let admin: string;
  let learner: string;
  let tenantId: string;
  // Texts no earlier run stored in the embedding cache (the cache is keyed by model and text).
  const run = randomUUID().slice(0, 8);

  before(async () => {
    await server.start();
    app = await startTestApp({
      worker: true,
      env: {
        EMBEDDINGS_BASE_URL: server.url,
        EMBEDDINGS_MODEL: 'test-e5',
        EMBEDDINGS_CONCURRENCY: String(CONCURRENCY),
        EMBEDDINGS_BATCH_SIZE: String(BATCH),
        EMBEDDINGS_TIMEOUT_MS: '10000',
        EMBEDDINGS_QUERY_WAIT_MS: '150',
        KNOWLEDGE_WORKER_CONCURRENCY: '64',
      },
    });
    expect(app.config.OPENAI_API_KEY).to.equal(undefined);
    admin = (await launch(app.url, { role: 'admin' })).sessionToken;
    learner = (await launch(app.url, { role: 'learner' })).sessionToken;
    tenantId = JSON.parse(Buffer.from(learner.split('.')[1] ?? '', 'base64url').toString()).tid;
  });
  after(async () => {
    server.mode = 'ok';
    await app?.stop();
    await server.stop();
  });

  const call = async (path: string, token: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${token}`);
    const response = await fetch(`${app.url}${path}`, { ...init, headers });
    return { status: response.status, body: response.status === 204 ? null : await response.json() };
  };

  const upload = async (files: [string, string][]) => {
    const form = new FormData();
    for (const [name, content] of files)
      form.append('files', new Blob([content], { type: 'text/markdown' }), name);
    const { status, body } = await call('/api/knowledge/files', admin, { method: 'POST', body: form });
    expect(status).to.equal(202);
    return (body.data.files as { source: KnowledgeSourceDto }[]).map((f) => f.source.id);
  };

  const uploadOne = async (file: [string, string]) => {
    const [id] = await upload([file]);
    if (!id) throw new Error('nothing was uploaded');
    return id;
  };

  const list = async () => {
    const { body } = await call('/api/knowledge/sources', admin);
    const { data, meaning } = body as { data: KnowledgeSourceDto[]; meaning: KnowledgeMeaningDto };
    return { data, meaning: meaning.summary, states: meaning.sources };
  };

  /** A source as the page shows it: its fields and, beside them, its search-by-meaning state. */
  const source = async (id: string) => {
    const { body } = await call(`/api/knowledge/sources/${id}`, admin);
    return { ...(body.data as KnowledgeSourceDto), meaning: body.meaning as SourceMeaning | null };
  };

  const ready = (id: string) =>
    eventually(async () => {
      const s = await source(id);
      if (s.status === 'failed') throw new Error(`ingestion failed: ${s.error}`);
      return s.status === 'ready' && s;
    }, `source ${id} ready`);

  /** Asks as a learner over HTTP and waits for the assistant's stored reply. */
  const ask = async (text: string) => {
    const opened = await call('/api/chat', learner);
    const clientId = `emb-${randomUUID()}`;
    const posted = await call('/api/chat/messages', learner, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ conversationId: opened.body.conversation.id, clientId, text }),
    });
    expect(posted.status).to.be.oneOf([200, 201, 202]);
    const questionId = posted.body.message.id as string;
    return eventually(async () => {
      const { body } = await call('/api/chat', learner);
      const messages = body.messages as {
        id: string;
        author: string;
        text: string;
        citations: { title: string }[];
      }[];
      const at = messages.findIndex((m) => m.id === questionId);
      return at >= 0 && messages.slice(at + 1).find((m) => m.author === 'bot');
    }, 'the assistant to answer');
  };

  /** Brings the retry job forward (its backoff is minutes long in production) and waits for `done`. */
  const retryUntil = async <T>(sourceId: string, version: number, done: () => Promise<T | false>) => {
    const queue = app.runtime.queues.get('knowledge');
    const jobId = embedJobId(tenantId, sourceId, version);
    return eventually(
      async () => {
        const job = await queue.getJob(jobId);
        if (job && (await job.isDelayed())) await job.promote().catch(() => undefined);
        return done();
      },
      `the vector fill of ${sourceId}`,
      60_000,
    );
  };

  let downId = '';
  const glossary = (topic: string) =>
    `# ${topic} glossary ${run}\n\n## Quizzes\n\nA quiz ${topic} attempt is saved when you press Submit all and finish.\n\n## Gradebook\n\nThe gradebook ${topic} shows each grade once the teacher releases it.\n\n## Forums\n\nForum ${topic} posts can be edited for thirty minutes after posting.\n`;

  it('(a) with the embedding server down, an upload is still ingested, answered by word search, and shown as pending', async () => {
    await server.stop();
    downId = await uploadOne([
      `turnitin-${run}.md`,
      `# Plagiarism checker ${run}\n\nThe similarity report of a Turnitin assignment appears beside each submission once the checker has finished.\n`,
    ]);
    const stored = await ready(downId);
    expect(stored.chunkCount).to.be.greaterThan(0);
    expect(stored.meaning).to.include({ state: 'pending', pending: stored.chunkCount });
    expect(stored.meaning?.error).to.equal('the embedding server could not be reached');

    const answer = await ask('where is the turnitin similarity report');
    expect(answer.citations.map((c) => c.title).join(' ')).to.contain(`Plagiarism checker ${run}`);
    // An embedding server alone never turns the chat model on: the answer is extractive, not "degraded".
    const record = await MessageModel.findById(answer.id).lean();
    expect(record?.answer).to.include({ mode: 'extractive', degraded: false, model: null });

    const { meaning, states } = await list();
    expect(states[downId]).to.include({ state: 'pending' });
    expect(meaning.text).to.match(
      /^Search by meaning: \d+ of \d+ documents? ready; 1 waiting for the embedding server/,
    );
  });

  it('(b) once the server is back, the retry job fills the vectors, the index uses them, and the page shows ready', async () => {
    await server.start();
    const before = await source(downId);
    const filled = await retryUntil(downId, before.version, async () => {
      const s = await source(downId);
      return s.meaning?.state === 'ready' && s;
    });
    expect(filled.meaning).to.deep.equal({ state: 'ready', pending: 0, error: null });
    const { meaning } = await list();
    expect(meaning.pending).to.equal(0);
    expect(meaning.text).to.match(/^Search by meaning: \d+ of \d+ documents? ready/);
    expect(meaning.text).not.to.contain('waiting');

    // The web process's index holds the vectors (its change message may land just after the page
    // says ready): questions are embedded only once the index has some.
    let asked = 0;
    const answer = await eventually(async () => {
      const question = `where does the similarity report of a turnitin assignment appear ${run} ${asked++}`;
      const reply = await ask(question);
      return server.requestsFor(question) === 1 && reply;
    }, 'a question embedded');
    // Whether the vectors make this answer better is the retrieval's business (and the eval's): here,
    // that the question was answered with them in the index.
    expect(answer.text).to.not.equal('');
  });

  it('(c) many documents at ingestion concurrency 64 never have more than EMBEDDINGS_CONCURRENCY requests open, nor a batch over EMBEDDINGS_BATCH_SIZE', async () => {
    server.delayMs = 20;
    server.resetCounts();
    const names = Array.from({ length: 16 }, (_, i) => `topic${i}x${run}`);
    const ids = await upload(names.map((n) => [`${n}.md`, glossary(n)] as [string, string]));
    const sources = await Promise.all(ids.map(ready));
    server.delayMs = 0;
    // Each document's passages were embedded while it was ingested: nothing left for a retry.
    for (const s of sources) expect(s.meaning, s.title).to.include({ state: 'ready', pending: 0 });
    const texts = server.received.reduce((n, inputs) => n + inputs.length, 0);
    expect(texts).to.be.at.least(sources.reduce((n, s) => n + s.chunkCount, 0));
    expect(server.maxInputs).to.be.at.most(BATCH);
    expect(server.maxInFlight).to.equal(CONCURRENCY);

    // The same passages again (another file name, same text) cost no embedding call: the cache has them.
    server.resetCounts();
    const [copy] = await upload([[`copy-${names[0]}.md`, glossary(names[0] as string)]]);
    const copied = await ready(copy as string);
    expect(copied.meaning).to.include({ state: 'ready' });
    expect(server.received).to.have.length(0);
  });

  it('(d) a question is answered by word search when the embedding server hangs', async () => {
    server.mode = 'hang';
    server.resetCounts();
    const question = `how long can I edit a forum topic3x${run} post`;
    const answer = await ask(question);
    // The server took the question's embedding request and never answered it: the answer used no vector.
    expect(server.requestsFor(question)).to.equal(1);
    expect(server.received.every((inputs) => inputs.length === 1)).to.equal(true);
    expect(answer.citations.map((c) => c.title).join(' ')).to.contain(`topic3x${run} glossary`);
    expect(answer.text).to.match(/thirty minutes/i);
    server.mode = 'ok';
    server.releaseHanging();
  });

  it('(e) a Q&A pair is live at once and gets its vectors from the fill job', async () => {
    const { status, body } = await call('/api/knowledge/qa', admin, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: `Who marks the peer review ${run}?`, answer: 'Your classmates do.' }),
    });
    expect(status).to.equal(201);
    const added = body.data as KnowledgeSourceDto;
    expect(added.status).to.equal('ready');
    const filled = await retryUntil(added.id, added.version, async () => {
      const s = await source(added.id);
      return s.meaning?.state === 'ready' && s;
    });
    expect(filled.meaning).to.deep.equal({ state: 'ready', pending: 0, error: null });
  });
});
