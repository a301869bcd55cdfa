import { randomUUID } from 'node:crypto';
import type { Worker } from 'bullmq';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { freePort } from '../../src/app/embedded-services.js';
import { LTI } from '../../src/devlms/constants.js';
import { createJobServices } from '../../src/jobs/job-services.js';
import { registerJobListeners } from '../../src/jobs/listeners.js';
import { closeWorkers, startWorkers } from '../../src/jobs/workers.js';
import { KnowledgeService, KnowledgeSourceModel } from '../../src/knowledge/index.js';
import { observeDomainEvents } from '../../src/metrics/events.js';
import { observeWorkers } from '../../src/metrics/jobs.js';
import { connectRedis } from '../../src/redis/connection.js';
import type { TenantSla } from '../../src/sla/sla-plan.js';
import { createConversationDomain } from '../../src/storage/conversations/create-conversation-domain.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { FakeOpenAI } from '../support/openai-fake.js';
import { api, launchSession, type Person } from '../support/people.js';
import { quietLogger, testServices } from '../support/services.js';
import { testTenantSla } from '../support/sla.js';
import { readEvents } from '../support/sse.js';

/** One sample of the Prometheus text format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[key as string] = value as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of a metric's samples whose labels include `labels`. */
function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

const ARTICLE =
  '# Resetting your password\n\nIf you forgot your password:\n\n1. Open the sign-in page.\n2. Select **Forgot password**.\n3. Enter your email address and follow the link we send you.\n';

describe('Prometheus metrics on their own port (real launch, chat with a model, handoff, SLA timers)', function () {
  this.timeout(120_000);
  const token = `metrics-${randomUUID()}`;
  const openAiKey = `sk-test-${randomUUID()}`;
  const fake = new FakeOpenAI();
  let app: TestApp;
  let metricsUrl: string;
  let redis: Redis;
  let connection: Redis;
  let workers: Worker[] = [];
  // A first response due 2 s after the handoff (warning at 1.5 s): the timers fire within the test.
  const tenantSla: TenantSla = testTenantSla({
    targets: Object.fromEntries(
      ['low', 'normal', 'high', 'urgent'].map((p) => [p, { first_response: 2 / 60, resolution: 600 / 60 }]),
    ),
  });

  const scrape = (headers: Record<string, string> = { authorization: `Bearer ${token}` }) =>
    fetch(metricsUrl, { headers });
  const samples = async () => {
    const response = await scrape();
    expect(response.status).to.equal(200);
    return parseMetrics(await response.text());
  };

  before(async () => {
    await fake.start();
    const services = await testServices();
    const port = await freePort();
    app = await startTestApp({
      env: {
        METRICS_PORT: String(port),
        METRICS_TOKEN: token,
        OPENAI_API_KEY: openAiKey,
        OPENAI_BASE_URL: fake.url,
        EMBEDDINGS_BASE_URL: fake.url,
        // Its own queues: no other test's worker takes these SLA timers with other targets.
        REDIS_PREFIX: `${services.redisPrefix}-metrics`,
      },
    });
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    // A worker wired as src/app/worker.ts wires it (job listeners, metrics on its bus and workers),
    // consuming ingestion and SLA jobs, with SLA targets of seconds.
    [redis, connection] = await Promise.all([
      connectRedis(app.runtime.redisUrl, 'producer', quietLogger),
      connectRedis(app.runtime.redisUrl, 'worker', quietLogger),
    ]);
    const prefix = app.config.REDIS_PREFIX;
    const conversations = createConversationDomain({
      redis,
      prefix,
      logger: quietLogger,
      messageMaxChars: app.config.MESSAGE_MAX_CHARS,
    });
    registerJobListeners(conversations.bus, app.runtime.queues, quietLogger);
    observeDomainEvents(conversations.bus);
    workers = startWorkers({
      connection,
      prefix,
      concurrency: 4,
      logger: quietLogger,
      queues: ['knowledge', 'sla'],
      services: createJobServices({
        config: app.config,
        logger: quietLogger,
        redis,
        queues: app.runtime.queues,
        conversations,
        sla: async () => tenantSla,
      }),
    });
    observeWorkers(workers);
    await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  });
  after(async () => {
    await closeWorkers(workers);
    connection?.disconnect();
    await redis?.quit().catch(() => redis.disconnect());
    await app?.stop();
    await fake.stop();
  });

  it('the public port has no /metrics, and the metrics port refuses a scrape without the token', async () => {
    const http = 'chatref_http_request_duration_seconds_count';
    const before = await samples();
    const publicAnswer = await fetch(`${app.url}/metrics?probe=${randomUUID()}`);
    expect(publicAnswer.status).to.equal(404);
    expect(await publicAnswer.text()).not.to.include('chatref_');
    // Any URL that matches no route is one label, never the URL itself.
    const after = await samples();
    expect(total(after, http, { route: 'unmatched', status: '4xx' })).to.equal(
      total(before, http, { route: 'unmatched', status: '4xx' }) + 1,
    );
    expect(after.filter((s) => s.name === http && /metrics|probe/.test(s.labels.route ?? ''))).to.deep.equal(
      [],
    );

    const anonymous = await scrape({});
    expect(anonymous.status).to.equal(401);
    expect(anonymous.headers.get('www-authenticate')).to.match(/^Bearer/);
    const body = await anonymous.text();
    expect(body).to.include('METRICS_TOKEN');
    expect(body).not.to.include('chatref_');
    expect((await scrape({ authorization: 'Bearer not-the-token-at-all' })).status).to.equal(401);
    expect((await scrape({ authorization: token })).status, 'a token without Bearer').to.equal(401);
    expect((await fetch(metricsUrl.replace('/metrics', '/'))).status).to.equal(404);
  });

  it('a staff inbox stream counts as an inbox live connection while it is open', async () => {
    const admin = await launchSession(app, 'admin', (claims) => {
      claims.sub = `metrics-admin-${randomUUID()}`;
    });
    const live = async () => total(await samples(), 'chatref_live_connections', { kind: 'inbox' });
    const idle = await live();
    const controller = new AbortController();
    const response = await fetch(`${app.url}/api/inbox/events`, {
      headers: { authorization: `Bearer ${admin.token}` },
      signal: controller.signal,
    });
    expect(response.status).to.equal(200);
    try {
      await eventually(async () => (await live()) === idle + 1, 'the inbox stream counted');
    } finally {
      controller.abort();
    }
    await eventually(async () => (await live()) === idle, 'the closed inbox stream uncounted');
  });

  it('a launch, a chat answered by the model and a handoff move the counters; labels are patterns, no tenant data', async () => {
    const before = await samples();
    const learnerName = `Zephyrine ${randomUUID().slice(0, 8)}`;
    const courseTitle = `Course ${randomUUID().slice(0, 8)}`;
    const learner: Person = {
      ...(await launchSession(app, 'learner', (claims) => {
        claims.sub = `metrics-${randomUUID()}`;
        claims.name = learnerName;
        claims[`${LTI}context`] = { id: 'MET-101', label: 'MET-101', title: courseTitle };
      })),
      name: learnerName,
    };
    // The tenant's knowledge, through the real ingestion job (its chunks embedded by the fake server).
    await new KnowledgeService({
      queues: app.runtime.queues,
      config: app.config,
      redis: app.runtime.redis,
    }).addFile({
      tenantId: learner.tenantId,
      courseId: null,
      filename: 'resetting-your-password.md',
      mimeType: 'text/markdown',
      bytes: Buffer.from(ARTICLE),
    });
    await eventually(
      async () =>
        (
          (await KnowledgeSourceModel.findOne({
            tenantId: learner.tenantId,
            filename: 'resetting-your-password.md',
          }).lean()) as { status?: string } | null
        )?.status === 'ready',
      'the article ingested',
      30_000,
    );

    const opened = await api(app, learner, '/api/chat');
    expect(opened.status).to.equal(200);
    const conversationId = opened.body.conversation.id as string;
    const liveChat = (s: Sample[]) => total(s, 'chatref_live_connections', { kind: 'chat' });
    const idleLive = liveChat(before);
    const question = `I forgot my password ${randomUUID().slice(0, 6)}, how do I reset it?`;
    const answered = readEvents(
      `${app.url}/api/chat/events`,
      learner.token,
      (events) => events.some((e) => e.type === 'message' && e.data.message.author === 'bot'),
      { lastEventId: opened.body.lastEventId, timeoutMs: 30_000 },
    );
    // The open stream shows as a live chat connection (and the question is sent once it listens).
    await eventually(async () => liveChat(await samples()) === idleLive + 1, 'the live stream counted');
    const posted = await api(app, learner, '/api/chat/messages', {
      method: 'POST',
      body: { conversationId, clientId: `c-${randomUUID()}`, text: question },
    });
    expect(posted.status, posted.text).to.equal(201);
    const bot = (await answered).find((e) => e.type === 'message' && e.data.message.author === 'bot');
    expect(bot?.data.message.text).to.match(/passages say so/);
    // The learner rates the answer: a route with an id in its URL.
    const botMessageId = bot?.data.message.id as string;
    const rated = await api(app, learner, `/api/chat/messages/${botMessageId}/feedback`, {
      method: 'POST',
      body: { value: 'up' },
    });
    expect(rated.status, rated.text).to.equal(204);
    await eventually(async () => liveChat(await samples()) === idleLive, 'the closed stream uncounted');

    const handed = await api(app, learner, '/api/chat/handoff', { method: 'POST', body: { conversationId } });
    expect(handed.status, handed.text).to.equal(200);
    // The SLA timers of the handed-off thread fire on the worker: warning, then breach.
    const after = await eventually(async () => {
      const now = await samples();
      return total(now, 'chatref_sla_breaches_total') > total(before, 'chatref_sla_breaches_total') && now;
    }, 'the SLA breach counted');

    const moved = (name: string, labels: Record<string, string> = {}) =>
      total(after, name, labels) - total(before, name, labels);

    // HTTP latency by route pattern.
    const http = 'chatref_http_request_duration_seconds_count';
    expect(moved(http, { route: '/api/chat/messages', method: 'POST', status: '2xx' })).to.equal(1);
    expect(moved(http, { route: '/api/chat/handoff', method: 'POST', status: '2xx' })).to.equal(1);
    expect(moved(http, { route: '/api/chat', method: 'GET', status: '2xx' })).to.equal(1);
    expect(moved(http, { route: '/lti/launch' })).to.be.at.least(1);
    expect(moved(http, { route: '/api/chat/messages/:id/feedback', method: 'POST', status: '2xx' })).to.equal(
      1,
    );
    const routes = new Set(after.filter((s) => s.name === http).map((s) => s.labels.route as string));
    for (const route of routes) expect(route).to.match(/^(\/[\w.:*/-]*|unmatched|other)$/);
    expect([...routes].join(' ')).not.to.match(/[0-9a-f]{24}/);
    // Live streams are not latency samples.
    expect(routes).not.to.include('/api/chat/events');

    // The model: one streamed chat answer with its tokens; embeddings of the article and the question.
    expect(moved('chatref_model_request_duration_seconds_count', { kind: 'chat', outcome: 'ok' })).to.equal(
      1,
    );
    expect(moved('chatref_model_tokens_total', { kind: 'chat', type: 'prompt' })).to.be.greaterThan(0);
    expect(moved('chatref_model_tokens_total', { kind: 'chat', type: 'completion' })).to.be.greaterThan(0);
    expect(moved('chatref_model_request_duration_seconds_count', { kind: 'embeddings' })).to.be.at.least(1);
    expect(moved('chatref_model_tokens_total', { kind: 'embeddings', type: 'prompt' })).to.be.greaterThan(0);

    // Handoffs by reason, SLA warnings and breaches, timer lateness, jobs.
    expect(moved('chatref_handoffs_total')).to.equal(1);
    expect(moved('chatref_handoff_reasons_total', { reason: 'human_request' })).to.equal(1);
    expect(moved('chatref_sla_warnings_total', { target: 'first_response' })).to.equal(1);
    expect(moved('chatref_sla_breaches_total', { target: 'first_response', late: 'false' })).to.equal(1);
    expect(moved('chatref_sla_timer_lateness_seconds_count', { stage: 'warning' })).to.equal(1);
    expect(moved('chatref_sla_timer_lateness_seconds_count', { stage: 'breach' })).to.equal(1);
    expect(
      moved('chatref_jobs_finished_total', { queue: 'sla', job: 'react', outcome: 'completed' }),
    ).to.be.at.least(1);
    expect(
      moved('chatref_jobs_finished_total', { queue: 'knowledge', job: 'ingest', outcome: 'completed' }),
    ).to.equal(1);
    expect(moved('chatref_job_wait_seconds_count', { queue: 'sla' })).to.be.at.least(1);

    // Queue depths per queue and state, read at the scrape.
    for (const queue of ['sla', 'notify', 'knowledge', 'maintenance'])
      for (const state of ['waiting', 'active', 'delayed', 'failed'])
        expect(
          after.some(
            (s) => s.name === 'chatref_queue_jobs' && s.labels.queue === queue && s.labels.state === state,
          ),
          `${queue} ${state}`,
        ).to.equal(true);
    // The escalation step after the breach waits as a delayed SLA job.
    expect(total(after, 'chatref_queue_jobs', { queue: 'sla', state: 'delayed' })).to.be.at.least(1);

    // Nothing of the tenant, its people or the secrets appears.
    const text = await (await scrape()).text();
    for (const secret of [
      token,
      botMessageId,
      openAiKey,
      app.config.LTI_ENCRYPTION_KEY,
      learner.token,
      learner.tenantId,
      learner.userId,
      conversationId,
      learnerName,
      courseTitle,
      question,
      'resetting-your-password',
    ])
      expect(text, secret).not.to.include(secret);
  });
});
