import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import mongoose, { Types } from 'mongoose';
import { freePort } from '../../src/app/embedded-services.js';
import { connectMongo } from '../../src/db/mongo.js';
import { LTI } from '../../src/devlms/constants.js';
import type { EventName } from '../../src/events/catalog.js';
import { EventModel } from '../../src/events/event.model.js';
import { Queues } from '../../src/jobs/queues.js';
import { connectRedis } from '../../src/redis/connection.js';
import { SlaClockModel } from '../../src/sla/sla-clock.model.js';
import { testEnv } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { launch, launchWith } from '../support/lms-client.js';
import { FakeOpenAI } from '../support/openai-fake.js';
import { type RunningProcess, runEntry } from '../support/processes.js';
import { RoundRobinProxy } from '../support/round-robin-proxy.js';
import { quietLogger, testServices } from '../support/services.js';
import { readEvents, type SseEvent } from '../support/sse.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field.
type Body = any;

interface Someone {
  token: string;
  userId: string;
  tenantId: string;
  name: string;
}

const ARTICLE =
  '# Resetting your password\n\nIf you forgot your password:\n\n1. Open the sign-in page.\n2. Select **Forgot password**.\n3. Enter your email address and follow the link we send you.\n';

/**
 * Scale-out (issue 19, item 12): two web and two worker processes, started as `npm run start:web` and
 * `npm run start:worker` start them, on one FerretDB and one Redis, behind a round-robin proxy with no
 * sticky sessions. Launches, chat, live updates, claims and SLA timers behave as with one process. The
 * proxy logs which process served each request, so every test shows the requests that must cross
 * processes did (the POST on one, the event stream on the other), rather than trusting the rotation.
 *
 * The development LMS is reached through a second proxy over the same two processes, on another host name
 * (127.0.0.1 against the tool's localhost), as an LMS is another site: the tool's proxy then sees only the
 * browser's requests to the tool, in the order the test makes them.
 */
describe('scale-out: two web and two worker processes behind a round-robin proxy', function () {
  this.timeout(240_000);
  const fake = new FakeOpenAI();
  const webs: RunningProcess[] = [];
  const workers: RunningProcess[] = [];
  let tool: RoundRobinProxy;
  let lms: RoundRobinProxy;
  let lead: Someone;
  /** The queues as the processes see them (same prefix), to know when no SLA job is left to run. */
  let queues: Queues;
  let redis: Redis;
  let connectedHere = false;

  /** A request to the tool through its proxy, as the pages send them (bearer session token, JSON). */
  async function call(
    who: Someone,
    route: string,
    init: { method?: string; body?: unknown } = {},
  ): Promise<{ status: number; body: Body; upstream: number }> {
    const response = await fetch(`${tool.url}${route}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text ? JSON.parse(text) : null,
      upstream: Number(response.headers.get('x-upstream')),
    };
  }

  /** A real launch through the development LMS as a new person of our choosing. */
  async function launchAs(role: 'learner' | 'admin', given: string): Promise<Someone> {
    const { sessionToken } = await launchWith(tool.url, {
      role,
      lmsUrl: lms.url,
      change: (claims) => {
        claims.sub = `scale-${given}-${randomUUID()}`;
        claims.name = `${given} Scale`;
        claims.given_name = given;
        claims.family_name = 'Scale';
        claims.email = `${given.toLowerCase()}@example.edu`;
        claims[`${LTI}context`] = { id: 'SCALE-101', label: 'SCALE-101', title: 'Course SCALE-101' };
      },
    });
    expect(sessionToken, `${given}'s launch`).to.not.equal('');
    const payload = JSON.parse(Buffer.from(sessionToken.split('.')[1] ?? '', 'base64url').toString());
    return { token: sessionToken, userId: payload.uid, tenantId: payload.tid, name: `${given} Scale` };
  }

  /** One request more (`/healthz`) turns the proxy's rotation by one: the next request goes to the other process. */
  async function turn(): Promise<void> {
    expect((await fetch(`${tool.url}/healthz`)).status).to.equal(200);
  }

  /** The learner opens the chat and asks for a person; the thread waits in the inbox. */
  async function handOff(learner: Someone): Promise<{ conversationId: string; upstream: number }> {
    const opened = await call(learner, '/api/chat');
    expect(opened.status).to.equal(200);
    const conversationId = opened.body.conversation.id as string;
    const handed = await call(learner, '/api/chat/handoff', { method: 'POST', body: { conversationId } });
    expect(handed.status, JSON.stringify(handed.body)).to.equal(200);
    return { conversationId, upstream: handed.upstream };
  }

  /** Opens an event stream through the proxy; resolves once its head arrived (the process registered it). */
  async function stream(
    route: string,
    who: Someone,
    until: (events: SseEvent[]) => boolean,
    lastEventId?: string,
  ): Promise<{ events: Promise<SseEvent[]>; upstream: number }> {
    let opened: () => void = () => {};
    const open = new Promise<void>((resolve) => {
      opened = resolve;
    });
    const events = readEvents(`${tool.url}${route}`, who.token, until, {
      lastEventId,
      timeoutMs: 60_000,
      onOpen: () => opened(),
    });
    await Promise.race([open, events]);
    const upstream = tool.servedBy('GET', route).at(-1) as number;
    return { events, upstream };
  }

  before(async function () {
    this.timeout(180_000);
    await fake.start();
    fake.reply =
      'To reset your password, open the sign-in page and select Forgot password, then follow the emailed link [1].\nCONFIDENCE: 0.9';
    const services = await testServices();
    const [toolPort, lmsPort, ...webPorts] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const env = await testEnv({
      LOG_LEVEL: 'info',
      REDIS_PREFIX: `${services.redisPrefix}-scale`,
      PUBLIC_URL: `http://localhost:${toolPort}`,
      DEV_LMS_URL: `http://127.0.0.1:${lmsPort}`,
      OPENAI_API_KEY: 'test-key',
      OPENAI_BASE_URL: fake.url,
      SEED_SAMPLE_KNOWLEDGE: 'false',
    });
    for (const port of webPorts) webs.push(runEntry('src/bin/web.ts', { ...env, PORT: String(port) }));
    workers.push(runEntry('src/bin/worker.ts', env), runEntry('src/bin/worker.ts', env));
    await Promise.all([
      ...webs.map((web) => web.waitFor(/web listening/, 90_000)),
      ...workers.map((worker) => worker.waitFor(/workers started/, 90_000)),
    ]);
    const upstreams = webPorts.map((port) => `http://127.0.0.1:${port}`);
    tool = await new RoundRobinProxy(upstreams).start(toolPort, 'localhost');
    lms = await new RoundRobinProxy(upstreams).start(lmsPort);
    // The test reads stored events to count SLA steps (the same database the processes use).
    if (mongoose.connection.readyState !== 1) {
      await connectMongo(services.mongoUrl, quietLogger);
      connectedHere = true;
    }
    redis = await connectRedis(services.redisUrl, 'producer', quietLogger);
    queues = new Queues(redis, env.REDIS_PREFIX as string);
    lead = await launchAs('admin', 'Lena');
  });

  after(async function () {
    // SCALE_TEST_OUTPUT=/tmp/scale keeps each process's whole output (/tmp/scale-<n>.log: web 0, 1, workers 2, 3).
    const keep = process.env.SCALE_TEST_OUTPUT;
    if (keep)
      for (const [i, child] of [...webs, ...workers].entries())
        writeFileSync(`${keep}-${i}.log`, child.output());
    else if (this.currentTest?.state === 'failed')
      for (const child of [...webs, ...workers]) console.log(child.output().slice(-6000));
    await tool?.stop();
    await lms?.stop();
    const codes = await Promise.all([...webs, ...workers].map((child) => child.stop()));
    // Only a connection this file opened: another file's app may be using the shared one.
    if (connectedHere) await mongoose.disconnect();
    await queues?.close();
    redis?.disconnect();
    await fake.stop();
    expect(codes, 'every process exits 0 on SIGTERM').to.deep.equal([0, 0, 0, 0]);
  });

  it('an LTI launch completes when its login and its id-token post land on different web processes', async () => {
    for (let i = 0; i < 2; i++) {
      const { response, sessionToken, landing } = await launch(tool.url, { role: 'learner' });
      expect(response.status).to.equal(303);
      expect(sessionToken).to.not.equal('');
      const login = tool.servedBy('GET', '/lti/login').at(-1);
      const post = tool.servedBy('POST', '/lti/launch').at(-1);
      expect(login, 'login and launch on different processes').to.not.equal(post);
      // The page the LMS frame then loads, from whichever process.
      const page = await fetch(landing);
      expect(page.status).to.equal(200);
    }
    // Both web processes registered the development LMS at start-up: one platform, one tenant.
    const learners = await Promise.all([launchAs('learner', 'Ada'), launchAs('learner', 'Bo')]);
    expect(learners[0]?.tenantId).to.equal(learners[1]?.tenantId);
    expect(learners[0]?.tenantId).to.equal(lead.tenantId);
  });

  it('a knowledge file ingested by a worker is cited by answers from either web process, streamed to a stream on the other', async () => {
    const form = new FormData();
    form.append('files', new Blob([ARTICLE], { type: 'text/markdown' }), 'resetting-your-password.md');
    const uploaded = await fetch(`${tool.url}/api/knowledge/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${lead.token}` },
      body: form,
    });
    const upload = (await uploaded.json()) as Body;
    expect(uploaded.status, JSON.stringify(upload)).to.equal(202);
    const sourceId = upload.data.files[0].source.id as string;
    await eventually(
      async () => (await call(lead, `/api/knowledge/sources/${sourceId}`)).body?.data?.status === 'ready',
      'the file ingested by a worker process',
      60_000,
    );

    const postedOn = new Set<number>();
    for (let i = 0; i < 2; i++) {
      // The second POST goes to the other process.
      if (i === 1) await turn();
      const learner = await launchAs('learner', `Chat${i}`);
      const opened = await call(learner, '/api/chat');
      const conversationId = opened.body.conversation.id as string;
      const live = await stream(
        '/api/chat/events',
        learner,
        (events) => events.some((event) => event.type === 'message' && event.data.message.author === 'bot'),
        opened.body.lastEventId,
      );
      const posted = await call(learner, '/api/chat/messages', {
        method: 'POST',
        body: { conversationId, clientId: `scale-${randomUUID()}`, text: 'How do I reset my password?' },
      });
      expect(posted.status).to.equal(201);
      expect(posted.upstream, 'the POST and the stream on different processes').to.not.equal(live.upstream);
      postedOn.add(posted.upstream);

      const events = await live.events;
      const tokens = events.filter((event) => event.type === 'token').map((event) => event.data.text);
      const answer = events.find((event) => event.type === 'message' && event.data.message.author === 'bot')
        ?.data.message;
      expect(answer, 'the answer arrived on the other process').to.not.equal(undefined);
      expect(tokens.length, 'tokens streamed across processes').to.be.greaterThan(3);
      expect(answer.text).to.equal(tokens.join('').trim());
      expect(answer.citations[0]?.title).to.equal('Resetting your password');
      const learnerLine = events.find(
        (event) => event.type === 'message' && event.data.message.author === 'learner',
      );
      expect(Number(learnerLine?.id)).to.be.lessThan(
        Number(events.find((event) => event.data.message?.author === 'bot')?.id),
      );
    }
    expect([...postedOn].sort(), 'each web process answered once').to.deep.equal([0, 1]);
  });

  it("an admin's inbox stream on one process hears a learner's message posted through the other", async () => {
    const learner = await launchAs('learner', 'Live');
    const { conversationId } = await handOff(learner);
    const text = `My grade is missing ${randomUUID()}`;
    const inbox = await stream('/api/inbox/events', lead, (events) =>
      events.some((event) => event.type === 'message' && event.data.message.text === text),
    );
    const posted = await call(learner, '/api/chat/messages', {
      method: 'POST',
      body: { conversationId, clientId: `scale-${randomUUID()}`, text },
    });
    expect(posted.status).to.equal(201);
    expect(posted.upstream, 'the POST and the inbox stream on different processes').to.not.equal(
      inbox.upstream,
    );
    const events = await inbox.events;
    const line = events.find((event) => event.type === 'message' && event.data.message.text === text);
    expect(line?.data.message).to.include({ author: 'learner', conversationId });
  });

  it('two admins claiming one thread at once through different processes: one wins, the other is told who', async () => {
    const learner = await launchAs('learner', 'Claimed');
    const { conversationId } = await handOff(learner);
    const admins = await Promise.all([launchAs('admin', 'Alma'), launchAs('admin', 'Bert')]);
    const before = tool.log.length;
    const results = await Promise.all(
      admins.map((admin) =>
        call(admin, `/api/inbox/conversations/${conversationId}/claim`, { method: 'POST' }),
      ),
    );
    const claims = tool.log.slice(before).map((entry) => entry.upstream);
    expect(claims.sort(), 'the two claims on different processes').to.deep.equal([0, 1]);
    const winners = results.filter((result) => result.status === 200);
    expect(winners, JSON.stringify(results.map((r) => r.body))).to.have.length(1);
    const winner = admins[results.indexOf(winners[0] as (typeof results)[number])] as Someone;
    const loser = results.find((result) => result.status !== 200);
    expect(loser?.status).to.equal(409);
    expect(loser?.body.error.message).to.equal(`${winner.name} already owns this conversation.`);
    const thread = await call(lead, `/api/inbox/conversations/${conversationId}`);
    expect(thread.body.conversation.assignee).to.include({ userId: winner.userId, name: winner.name });
  });

  it('a one-minute SLA target set through the settings fires its warning and breach once, not once per worker', async () => {
    // Handoffs on both web processes just before the save and just after it, as in production a save lands
    // among handoffs: every process (web and worker) read the old settings a moment ago, and the save must
    // reach those that did not serve it. Everyone launches first, to keep the handoffs close together.
    const people = await Promise.all(
      ['Prime0', 'Prime1', 'Prime2', 'Prime3', 'Sla0', 'Sla1', 'Sla2', 'Sla3'].map((given) =>
        launchAs('learner', given),
      ),
    );
    const before = people.slice(0, 4);
    const after = people.slice(4);
    const primed: string[] = [];
    // A handoff is two requests (open, hand off): one request more between two turns the rotation.
    for (const learner of before) {
      primed.push((await handOff(learner)).conversationId);
      await turn();
    }
    const current = await call(lead, '/api/settings/sla');
    expect(current.status).to.equal(200);
    const policies = (current.body.data.policies as Body[]).map((policy) => ({
      ...policy,
      targets: Object.fromEntries(
        Object.entries(policy.targets as Record<string, Body>).map(([priority, targets]) => [
          priority,
          { ...targets, first_response: { minutes: 1, clock: 'calendar' } },
        ]),
      ),
    }));
    const saved = await call(lead, '/api/settings/sla', {
      method: 'PUT',
      body: { version: current.body.data.version, policies, warnShare: 0.5 },
    });
    expect(saved.status, JSON.stringify(saved.body)).to.equal(200);

    // Each handoff's own time bounds the promise (a minute after it), not the save's: on a loaded machine
    // the four handoffs after the save can take seconds.
    const handedOff: { conversationId: string; upstream: number; from: number; to: number }[] = [];
    for (const learner of after) {
      const from = Date.now();
      const served = await handOff(learner);
      handedOff.push({ ...served, from, to: Date.now() });
      await turn();
    }
    expect([...new Set(handedOff.map((h) => h.upstream))].sort(), 'handoffs on both').to.deep.equal([0, 1]);
    for (const { conversationId, upstream, from, to } of handedOff) {
      // The learner is promised the new target whichever process served the handoff…
      const thread = await call(lead, `/api/inbox/conversations/${conversationId}`);
      const replyBy = new Date(thread.body.conversation.replyBy ?? 0).getTime();
      expect(replyBy, `reply-by promised by process ${upstream}`).to.be.within(from + 59_000, to + 61_000);
      // …and the clock a worker started runs to it, whichever worker that was.
      const clock = await eventually(
        async () => (await SlaClockModel.findById(conversationId).lean())?.targets?.first_response,
        'the clock started by a worker',
      );
      expect(clock.target, `clock of the thread handed off on process ${upstream}`).to.deep.equal({
        minutes: 1,
        clock: 'calendar',
      });
    }
    // The threads waiting at the save are re-timed to it too: all eight breach.
    const threads = [...primed, ...handedOff.map((h) => h.conversationId)];

    const count = (conversationId: string, name: EventName) =>
      EventModel.countDocuments({ conversationId: new Types.ObjectId(conversationId), name });
    for (const conversationId of threads)
      await eventually(async () => (await count(conversationId, 'sla.breached')) >= 1, 'the breach', 120_000);
    // Nothing left that could fire a second time: no SLA job waiting or running in either worker.
    const sla = queues.get('sla');
    await eventually(
      async () => {
        const counts = await sla.getJobCounts('active', 'waiting', 'prioritized');
        return Object.values(counts).every((n) => n === 0);
      },
      'the SLA queue idle',
      30_000,
    );
    for (const conversationId of threads) {
      expect(await count(conversationId, 'sla.warned'), 'one warning').to.equal(1);
      expect(await count(conversationId, 'sla.breached'), 'one breach').to.equal(1);
      const thread = await call(lead, `/api/inbox/conversations/${conversationId}`);
      // The staff-only lines on the thread: each step once (warning, breach, then escalation steps).
      const steps = (thread.body.messages as Body[]).filter(
        (message) => message.author === 'system' && /^sla:/.test(message.clientId),
      );
      const ids = steps.map((message) => message.clientId as string);
      expect(new Set(ids).size, ids.join(', ')).to.equal(ids.length);
      const text = (stage: string) =>
        steps.filter((message) => message.clientId === `sla:first_response:1:${stage}`).map((m) => m.text);
      expect(text('warning')).to.have.length(1);
      expect(text('warning')[0]).to.match(/target at risk/);
      expect(text('breach')).to.have.length(1);
      expect(text('breach')[0]).to.match(/target breached/);
      expect(await count(conversationId, 'sla.escalated'), 'one event per escalation line').to.equal(
        ids.filter((id) => id.includes(':esc-')).length,
      );
    }
    for (const child of [...webs, ...workers]) expect(child.output()).not.to.match(/"level":50/);
  });
});
