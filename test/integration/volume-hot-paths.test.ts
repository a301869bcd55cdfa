import { expect } from 'chai';
import mongoose from 'mongoose';
import { type SeedReport, seedVolume } from '../../bench/seed-volume.js';
import { DEV_LMS_CLIENT_ID, DEV_LMS_DEPLOYMENT_ID } from '../../src/devlms/index.js';
import { EventStore } from '../../src/events/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { commandsDuring, scalesWithPeople } from '../support/commands.js';
import { launchWith } from '../support/lms-client.js';
import { testServices } from '../support/services.js';
import { readEvents } from '../support/sse.js';

const CONTEXT_CLAIM = 'https://purl.imsglobal.org/spec/lti/claim/context';

/** An id token's claims for one person of the development LMS, in one course. */
const person = (subject: string, course: string, name = `Person ${subject}`) => ({
  change: (claims: Record<string, unknown>) => {
    claims.sub = subject;
    claims.name = name;
    (claims[CONTEXT_CLAIM] as { id: string }).id = course;
  },
});

/**
 * FerretDB 1.x answers only an exact `{ _id }` filter from an index; any other filter reads the whole
 * collection, across tenants. A launch, its landing page and a chat exchange must therefore cost the same
 * with thousands of people stored as with none: proved by what the driver sends, not by timing.
 */
describe('hot paths at volume: launches, landing pages, chat and inbox read people by _id only', function () {
  this.timeout(120_000);
  let app: TestApp;
  let tenantId: string;
  let seeded: SeedReport;

  const api = async (token: string, path: string, init: RequestInit = {}) => {
    const response = await fetch(`${app.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    return { status: response.status, body: await response.json() };
  };

  /** What a learner does: launch, land on the chat page, open the thread, ask, and wait for the answer. */
  async function launchAndAsk(subject: string, course: string, name: string) {
    const launched = await launchWith(app.url, person(subject, course, name));
    const landing = await fetch(launched.landing);
    const page = await landing.text();
    const token = launched.sessionToken;
    const opened = await api(token, '/api/chat');
    const answered = readEvents(
      `${app.url}/api/chat/events`,
      token,
      (seen) => seen.some((e) => e.type === 'message' && e.data.message.author === 'bot'),
      { lastEventId: opened.body.lastEventId },
    );
    const posted = await api(token, '/api/chat/messages', {
      method: 'POST',
      body: JSON.stringify({
        conversationId: opened.body.conversation.id,
        clientId: `${subject}-q1`,
        text: 'How do I submit my assignment?',
      }),
    });
    const answer = (await answered).find((e) => e.type === 'message' && e.data.message.author === 'bot')?.data
      .message as { text: string } | undefined;
    return { landingStatus: landing.status, page, opened, posted, answer, token };
  }

  before(async () => {
    // A database of its own, dropped at the end: the volume would slow every later test's scans.
    const url = new URL((await testServices()).mongoUrl);
    url.pathname = `${url.pathname}_volume`;
    url.searchParams.set('monitorCommands', 'true');
    app = await startTestApp({ env: { MONGODB_URL: url.toString() } });
    const first = await launchWith(app.url, person('volume-warm-up', 'warm-up-course'));
    tenantId = JSON.parse(Buffer.from(first.sessionToken.split('.')[1] ?? '', 'base64url').toString()).tid;
    // Each test app's development LMS is its own issuer (its address): the seeded people must share it.
    const launched = await mongoose.connection.db!.collection('users').findOne({ subject: 'volume-warm-up' });
    seeded = await seedVolume({
      db: mongoose.connection.db!,
      bench: {
        tenantId: new mongoose.Types.ObjectId(tenantId),
        issuer: String(launched?.issuer),
        clientId: DEV_LMS_CLIENT_ID,
        deploymentId: DEV_LMS_DEPLOYMENT_ID,
      },
      events: new EventStore({ redis: app.runtime.redis, prefix: app.config.REDIS_PREFIX }),
      spec: {
        users: 3000,
        courses: 120,
        conversations: 3000,
        launchesPerUser: 1,
        tenants: 2,
        benchShare: 0.5,
      },
    });
    // A running server has met its tenant before: platform and deployment, the live cursor in Redis, the
    // knowledge index in memory. One exchange does all that, as the first learner of the day would.
    await launchAndAsk('volume-warm-up', 'warm-up-course', 'Warm Up');
    // The tenant's inbox index is built on its first list.
    const admin = await launchWith(app.url, { role: 'admin', ...person('volume-admin-0', 'warm-up-course') });
    expect((await api(admin.sessionToken, '/api/inbox/conversations')).status).to.equal(200);
  });
  after(async () => {
    await mongoose.connection.db?.dropDatabase();
    await app?.stop();
  });

  it('stores the volume it claims, in two tenants', async () => {
    const db = mongoose.connection.db!;
    expect(seeded.counts).to.include({ users: 3000, courses: 120, conversations: 3000 });
    expect(seeded.counts.thread_pointers).to.be.greaterThan(1000);
    const people = { subject: /^seed-user-/ };
    expect(await db.collection('users').countDocuments(people)).to.equal(3000);
    expect(await db.collection('users').distinct('tenantId', people)).to.have.length(2);
  });

  it('a new learner launches, lands on the chat, asks and gets the answer: inserts and _id commands only', async () => {
    let exchange: Awaited<ReturnType<typeof launchAndAsk>> | undefined;
    const commands = await commandsDuring(async () => {
      exchange = await launchAndAsk('volume-new-learner', 'seed-course-9', 'Vera Volume');
    });
    expect(exchange?.landingStatus).to.equal(200);
    expect(exchange?.page).to.contain('Vera Volume');
    expect(exchange?.opened.body.messages).to.deep.equal([]);
    expect(exchange?.posted.status).to.equal(201);
    expect(exchange?.answer?.text, 'the bot answered').to.be.a('string').and.not.equal('');
    const offending = commands.filter(scalesWithPeople);
    expect(offending, JSON.stringify(offending, null, 1)).to.deep.equal([]);
    // It did reach the database: the person, the course, the thread and both messages were written.
    const written = new Set(commands.filter((c) => c.name !== 'find').map((c) => c.collection));
    expect([...written]).to.include.members(['users', 'courses', 'conversations', 'messages']);
  });

  it('the same learner launching again finds their thread, reading by _id only', async () => {
    let messages: Array<{ text: string }> = [];
    let landingStatus = 0;
    const commands = await commandsDuring(async () => {
      const launched = await launchWith(app.url, person('volume-new-learner', 'seed-course-9'));
      landingStatus = (await fetch(launched.landing)).status;
      messages = (await api(launched.sessionToken, '/api/chat')).body.messages;
    });
    expect(landingStatus).to.equal(200);
    expect(messages.map((m) => m.text)).to.include('How do I submit my assignment?');
    const offending = commands.filter(scalesWithPeople);
    expect(offending, JSON.stringify(offending, null, 1)).to.deep.equal([]);
  });

  it('a stored learner whose thread Redis does not know finds it through the database by _id', async () => {
    const db = mongoose.connection.db!;
    // A seeded learner of this tenant whose latest thread in a course is open.
    let thread: mongoose.mongo.WithId<mongoose.mongo.Document> | null = null;
    let user: mongoose.mongo.WithId<mongoose.mongo.Document> | null = null;
    const tenant = new mongoose.Types.ObjectId(tenantId);
    for await (const pointer of db.collection('thread_pointers').find({ tenantId: tenant })) {
      // By _id alone (any other filter reads every thread on FerretDB 1), the status checked here.
      const found = await db.collection('conversations').findOne({ _id: pointer.conversationId });
      thread = found?.status === 'bot' ? found : null;
      user = thread ? await db.collection('users').findOne({ _id: thread.user.userId }) : null;
      if (user?.subject.startsWith('seed-user-') && user.lastRole === 'learner') break;
    }
    const course = await db.collection('courses').findOne({ _id: thread?.courseId });
    expect(user?.subject).to.match(/^seed-user-/);
    const pointers = await app.runtime.redis.keys(`${app.config.REDIS_PREFIX}:thread:*${user?._id}*`);
    expect(pointers).to.deep.equal([]);
    let opened: { conversation: { id: string }; messages: Array<{ text: string }> } | undefined;
    const commands = await commandsDuring(async () => {
      const launched = await launchWith(app.url, person(user?.subject, course?.contextId));
      opened = (await api(launched.sessionToken, '/api/chat')).body;
    });
    expect(opened?.conversation.id).to.equal(String(thread?._id));
    const stored = await db
      .collection('messages')
      .find({ conversationId: thread?._id, author: 'learner' })
      .toArray();
    expect(stored.length).to.be.greaterThan(0);
    expect(opened?.messages.map((m) => m.text)).to.include.members(stored.map((m) => m.text));
    // Finding the thread reads by _id only. Its history, absent from Redis too (a cache kept 14 days),
    // is the one read by thread: one query, which FerretDB answers by reading the messages collection.
    const offending = commands.filter(scalesWithPeople);
    expect(offending.map((c) => c.collection)).to.deep.equal(['messages']);
  });

  it('an admin launches, lands on the inbox, lists, opens and claims a thread, and connects live: by _id only', async () => {
    const db = mongoose.connection.db!;
    const learner = await db.collection('users').findOne({ subject: 'volume-new-learner' });
    const thread = await db.collection('conversations').findOne({ 'user.userId': learner?._id });
    expect(thread, 'the earlier test left a thread').to.not.equal(null);
    const vera = await launchWith(app.url, person('volume-new-learner', 'seed-course-9'));
    const handed = await api(vera.sessionToken, '/api/chat/handoff', {
      method: 'POST',
      body: JSON.stringify({ conversationId: String(thread?._id) }),
    });
    expect(handed.body.conversation.status).to.equal('waiting');
    let landing = 0;
    let listed: { items: Array<{ id: string }> } | undefined;
    let opened = 0;
    let claimed = 0;
    let live = 0;
    const commands = await commandsDuring(async () => {
      const admin = await launchWith(app.url, {
        role: 'admin',
        ...person('volume-admin-1', 'seed-course-9'),
      });
      landing = (await fetch(admin.landing)).status;
      listed = (await api(admin.sessionToken, '/api/inbox/conversations?view=all')).body;
      opened = (await api(admin.sessionToken, `/api/inbox/conversations/${thread?._id}`)).status;
      claimed = (
        await api(admin.sessionToken, `/api/inbox/conversations/${thread?._id}/claim`, { method: 'POST' })
      ).status;
      const stream = new AbortController();
      const connected = await fetch(`${app.url}/api/inbox/events`, {
        headers: { authorization: `Bearer ${admin.sessionToken}` },
        signal: stream.signal,
      });
      live = connected.headers.get('content-type')?.startsWith('text/event-stream') ? connected.status : 0;
      stream.abort();
    });
    expect(landing).to.equal(200);
    expect(listed?.items.length).to.be.greaterThan(0);
    expect(opened).to.equal(200);
    expect(claimed).to.equal(200);
    expect(live).to.equal(200);
    const offending = commands.filter(scalesWithPeople);
    expect(offending, JSON.stringify(offending, null, 1)).to.deep.equal([]);
  });
});
