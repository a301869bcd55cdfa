import { expect } from 'chai';
import mongoose from 'mongoose';
import { ConversationModel } from '../../src/conversations/conversation.model.js';
import type { Actor } from '../../src/conversations/conversation.types.js';
import { EventStore } from '../../src/events/event-store.js';
import { InsertBatcher } from '../../src/lib/insert-batcher.js';
import { appendToLog } from '../support/event-log.js';
import { testServices } from '../support/services.js';
import {
  type DomainHarness,
  newId,
  readyRedis,
  startDomain,
  systemLineEvent,
} from './conversations-support.js';

/** As clients receive it (JSON: fields left undefined are absent). */
const asSent = <T>(value: T): T => JSON.parse(JSON.stringify(value));

/** Every query mongoose sends while `work` runs: collection, method and filter. */
async function queriesDuring(work: () => Promise<unknown>) {
  const seen: Array<{ collection: string; method: string; filter: Record<string, unknown> }> = [];
  mongoose.set('debug', (collection: string, method: string, filter: unknown) => {
    seen.push({ collection, method, filter: (filter ?? {}) as Record<string, unknown> });
  });
  try {
    await work();
  } finally {
    mongoose.set('debug', false);
  }
  return seen;
}

/** Reads that FerretDB answers with a collection scan: anything but an `_id` equality lookup. */
const scans = (queries: Awaited<ReturnType<typeof queriesDuring>>) =>
  queries.filter(
    (q) =>
      /^(find|findOne|countDocuments|aggregate|distinct)$/.test(q.method) &&
      ['conversations', 'messages', 'events'].includes(q.collection) &&
      !(q.filter._id && typeof q.filter._id !== 'object') &&
      !(q.filter._id && q.filter._id instanceof mongoose.Types.ObjectId),
  );

describe('learner chat hot paths (no collection scans on FerretDB)', () => {
  let h: DomainHarness;
  before(async () => {
    h = await startDomain();
  });
  after(() => h?.close());

  const learner = (): Actor => ({ userId: newId(), role: 'learner', name: 'Lea' });

  it('a returning learner gets the thread, its history and the live cursor with _id reads only', async () => {
    const tenantId = newId();
    const actor = learner();
    const courseId = newId();
    const first = await h.service.openOrContinue({ tenantId, actor, courseId });
    for (const n of [1, 2, 3])
      await h.service.postLearnerMessage({
        tenantId,
        actor,
        conversationId: first.conversation.id,
        clientId: `hot-${n}`,
        text: `question ${n}`,
      });
    const cursorBefore = await h.store.latestSeq(tenantId);

    let reopened: Awaited<ReturnType<typeof h.service.openOrContinue>> | undefined;
    let threadId: string | null = null;
    let history: Awaited<ReturnType<typeof h.service.history>> = [];
    let cursor = 0;
    let replay: Awaited<ReturnType<typeof h.store.listSince>> = [];
    const queries = await queriesDuring(async () => {
      reopened = await h.service.openOrContinue({ tenantId, actor, courseId });
      threadId = await h.service.openThreadId({ tenantId, actor, courseId });
      history = await h.service.history({
        tenantId,
        actor,
        conversationId: first.conversation.id,
        forLearner: true,
        limit: 2,
      });
      cursor = await h.store.latestSeq(tenantId);
      replay = await h.store.listSince(tenantId, 1, {
        conversationId: first.conversation.id,
        publicOnly: true,
      });
    });
    expect(scans(queries), JSON.stringify(scans(queries))).to.deep.equal([]);
    expect(reopened?.conversation.id).to.equal(first.conversation.id);
    expect(reopened?.messages.map((m) => m.text)).to.deep.equal(['question 1', 'question 2', 'question 3']);
    expect(threadId).to.equal(first.conversation.id);
    expect(history.map((m) => m.text)).to.deep.equal(['question 2', 'question 3']);
    expect(cursor).to.equal(cursorBefore).and.to.equal(4); // opened + three messages
    expect(replay.map((e) => e.seq)).to.deep.equal([2, 3, 4]);
  });

  it('while the bot handles a thread, an exchange writes no thread document; a handoff stores its times', async () => {
    const tenantId = newId();
    const actor = learner();
    const { conversation } = await h.service.openOrContinue({ tenantId, actor });
    const askedAt = new Date(h.clock.current.getTime() + 60_000);
    const answeredAt = new Date(askedAt.getTime() + 5_000);
    const queries = await queriesDuring(async () => {
      h.clock.set(askedAt.toISOString());
      await h.service.postLearnerMessage({
        tenantId,
        actor,
        conversationId: conversation.id,
        clientId: 'act-1',
        text: 'Where do I find my certificate?',
      });
      h.clock.set(answeredAt.toISOString());
      await h.service.recordBotAnswer({
        tenantId,
        conversationId: conversation.id,
        replyTo: 'act-1',
        text: 'On your profile page, under Certificates.',
        confidence: 0.9,
      });
    });
    // The thread comes from its Redis copy, and nothing writes it on the way of a normal exchange.
    expect(queries.filter((q) => q.collection === 'conversations')).to.deep.equal([]);
    const seen = await h.service.get({ tenantId, actor, conversationId: conversation.id });
    expect(seen.lastLearnerMessageAt).to.equal(askedAt.toISOString());
    expect(seen.lastMessageAt).to.equal(answeredAt.toISOString());
    expect((await ConversationModel.findById(conversation.id).lean())?.lastMessageAt.toISOString()).to.equal(
      conversation.lastMessageAt,
    );
    // The next write of the document (here the handoff) carries the times along.
    await h.service.requestHandoff({ tenantId, actor, conversationId: conversation.id });
    const stored = await ConversationModel.findById(conversation.id).lean();
    expect(stored?.status).to.equal('waiting');
    expect(stored?.lastLearnerMessageAt?.toISOString()).to.equal(askedAt.toISOString());
    expect(stored?.lastMessageAt.getTime()).to.be.at.least(answeredAt.getTime());
  });

  it('history, feedback and the thread survive Redis losing its copies (read again from the database)', async () => {
    const tenantId = newId();
    const actor = learner();
    const { conversation } = await h.service.openOrContinue({ tenantId, actor });
    await h.service.postLearnerMessage({
      tenantId,
      actor,
      conversationId: conversation.id,
      clientId: 'q-1',
      text: 'How do I reset my password?',
    });
    const answer = await h.service.recordBotAnswer({
      tenantId,
      conversationId: conversation.id,
      replyTo: 'q-1',
      text: 'Select Forgot password on the sign-in page.',
      confidence: 0.9,
    });
    await h.service.addNote({
      tenantId,
      actor: { userId: newId(), role: 'admin', name: 'Ada' },
      conversationId: conversation.id,
      clientId: 'note-1',
      text: 'internal only',
    });
    await h.service.recordFeedback({
      tenantId,
      userId: actor.userId,
      messageId: answer.message?.id ?? '',
      value: 'up',
    });
    const cached = await h.service.openOrContinue({ tenantId, actor });
    expect(cached.messages.map((m) => [m.author, m.feedback])).to.deep.equal([
      ['learner', undefined],
      ['bot', 'up'],
    ]);

    // Redis loses the pointer and the cached messages: the same answers come from the database.
    const keys = await h.redis.keys(`${h.prefix}:*${conversation.id}*`);
    keys.push(...(await h.redis.keys(`${h.prefix}:thread:${tenantId}:*`)));
    expect(keys.length).to.be.greaterThan(1);
    await h.redis.del(...keys);
    const fromDatabase = await h.service.openOrContinue({ tenantId, actor });
    expect(fromDatabase.conversation.id).to.equal(conversation.id);
    expect(asSent(fromDatabase.messages)).to.deep.equal(asSent(cached.messages));
    const staff = await h.service.history({
      tenantId,
      actor: { userId: newId(), role: 'admin' },
      conversationId: conversation.id,
      forLearner: false,
    });
    expect(staff.map((m) => m.text)).to.include('internal only');
  });

  it('many learners posting at once are all stored once, retries inside the burst included', async () => {
    const tenantId = newId();
    const learners = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const actor = learner();
        const { conversation } = await h.service.openOrContinue({ tenantId, actor, courseId: newId() });
        return { actor, conversationId: conversation.id };
      }),
    );
    // Every learner posts, and every third one's request is sent twice (a retry racing the first).
    const posts = learners.flatMap(({ actor, conversationId }, i) =>
      Array.from({ length: i % 3 === 0 ? 2 : 1 }, () =>
        h.service.postLearnerMessage({
          tenantId,
          actor,
          conversationId,
          clientId: `burst-${i}`,
          text: `question from learner ${i}`,
        }),
      ),
    );
    const results = await Promise.all(posts);
    expect(results.filter((r) => !r.duplicate)).to.have.length(30);
    expect(results.filter((r) => r.duplicate)).to.have.length(10);
    for (const [i, { actor, conversationId }] of learners.entries()) {
      const history = await h.service.history({ tenantId, actor, conversationId, forLearner: true });
      expect(history.map((m) => m.text)).to.deep.equal([`question from learner ${i}`]);
    }
    const events = await h.store.listSince(tenantId, 0, { limit: 5000 });
    const posted = events.filter((e) => e.name === 'message.posted');
    expect(posted).to.have.length(30);
    expect(new Set(events.map((e) => e.seq)).size).to.equal(events.length);
  });

  it('inserts sent together fail one by one: a duplicate key rejects only its own document', async () => {
    const db = mongoose.connection.db;
    if (!db) throw new Error('not connected');
    const collection = db.collection(`batch_${newId()}`);
    await collection.createIndex({ key: 1 }, { unique: true });
    const batcher = new InsertBatcher(() => collection);
    const outcomes = await Promise.allSettled(
      ['a', 'b', 'a', 'c', 'b', 'd'].map((key) => batcher.insert({ key })),
    );
    const codes = outcomes.map((o) =>
      o.status === 'fulfilled' ? 'ok' : (o.reason as { code?: number }).code,
    );
    expect(codes).to.deep.equal(['ok', 'ok', 11000, 'ok', 11000, 'ok']);
    expect((await collection.find({}).toArray()).map((d) => d.key).sort()).to.deep.equal([
      'a',
      'b',
      'c',
      'd',
    ]);
    await collection.drop();
  });

  it('a reconnect replays from the Redis log, and from the database where the log no longer reaches', async () => {
    const tenantId = newId();
    const conversationId = newId();
    const userId = newId();
    // A short log (10 events) on the same Redis: 15 events push the first five out.
    const store = new EventStore({ redis: h.redis, prefix: h.prefix, logLimit: 10 });
    const event = (n: number) => systemLineEvent({ tenantId, conversationId, userId }, `event ${n}`, `e${n}`);
    const stored = [];
    for (let n = 1; n <= 15; n++) stored.push(asSent(await appendToLog(store, event(n))));
    const seqs = stored.map((e) => e.seq);

    let recent: Awaited<ReturnType<typeof store.listSince>> = [];
    const queries = await queriesDuring(async () => {
      recent = await store.listSince(tenantId, seqs[9] ?? 0);
    });
    expect(queries.filter((q) => q.collection === 'events')).to.deep.equal([]);
    expect(recent).to.deep.equal(stored.slice(10));
    // Further back than the log reaches: the database answers, identically.
    expect(asSent(await store.listSince(tenantId, 0))).to.deep.equal(stored);
    expect(await store.latestSeq(tenantId)).to.equal(seqs[14]);
    // Redis lost the log: still everything, and the log starts again with the next event.
    await h.redis.del(`${h.prefix}:events:log:${tenantId}`, `${h.prefix}:events:logbase:${tenantId}`);
    expect(asSent(await store.listSince(tenantId, seqs[9] ?? 0))).to.deep.equal(stored.slice(10));
    expect(await store.latestSeq(tenantId)).to.equal(seqs[14]);
    const next = asSent(await appendToLog(store, event(16)));
    expect(asSent(await store.listSince(tenantId, seqs[12] ?? 0))).to.deep.equal([...stored.slice(13), next]);
  });

  it('events told alongside a write go out in order once both are stored; a failed write tells nothing', async () => {
    const tenantId = newId();
    const conversationId = newId();
    const userId = newId();
    const line = (text: string) => systemLineEvent({ tenantId, conversationId, userId }, text);
    const heard: string[] = [];
    const stop = h.bus.onEvent((event) => {
      if (event.tenantId === tenantId && event.name === 'message.posted')
        heard.push(event.payload.message.text);
    });
    try {
      const before = await h.store.latestSeq(tenantId);
      // The write's own follow-up (a cache update) is done before anyone hears of it.
      const followUp = async () => {
        heard.push('cache updated');
      };
      const value = await h.bus.emitAlongside(
        [line('first'), line('second')],
        Promise.resolve('written'),
        followUp,
      );
      expect(value).to.equal('written');
      expect(heard).to.deep.equal(['cache updated', 'first', 'second']);

      const failure = await h.bus
        .emitAlongside([line('never told')], Promise.reject(new Error('the write failed')), followUp)
        .catch((error: Error) => error);
      expect((failure as Error).message).to.equal('the write failed');
      expect(heard).to.deep.equal(['cache updated', 'first', 'second']);
      // Not replayed either, from the Redis log or from the database.
      const replay = (events: { name: string; payload: unknown }[]) =>
        events.map((e) => (e.payload as { message: { text: string } }).message.text);
      expect(replay(await h.store.listSince(tenantId, before))).to.deep.equal(['first', 'second']);
      await h.redis.del(`${h.prefix}:events:log:${tenantId}`, `${h.prefix}:events:logbase:${tenantId}`);
      expect(replay(await h.store.listSince(tenantId, before))).to.deep.equal(['first', 'second']);
    } finally {
      stop();
    }
  });

  it('taking over and resolving a thread write it by _id alone (the filter FerretDB answers from an index)', async () => {
    const tenantId = newId();
    const actor = learner();
    const opened = await h.service.openOrContinue({ tenantId, actor, courseId: newId() });
    const conversationId = opened.conversation.id;
    await h.service.requestHandoff({ tenantId, actor, conversationId });
    const admin: Actor = { userId: newId(), role: 'admin', name: 'Ada' };
    const queries = await queriesDuring(async () => {
      await h.service.claim({ tenantId, actor: admin, conversationId });
      await h.service.resolve({ tenantId, actor: admin, conversationId });
    });
    const onThreads = queries.filter((q) => q.collection === 'conversations');
    expect(onThreads.length).to.be.greaterThan(0);
    for (const q of onThreads) expect(Object.keys(q.filter)).to.deep.equal(['_id']);
    expect(scans(queries)).to.deep.equal([]);
    const view = await h.service.get({ tenantId, actor: admin, conversationId });
    expect(view.status).to.equal('resolved');
  });

  it('the Redis copy of a thread matches the database after every kind of write, and is optional', async () => {
    const tenantId = newId();
    const actor = learner();
    const admin: Actor = { userId: newId(), role: 'admin', name: 'Ada' };
    const { conversation } = await h.service.openOrContinue({ tenantId, actor, courseId: newId() });
    const conversationId = conversation.id;
    const key = `${h.prefix}:conversation:${conversationId}`;
    const fields = ['status', 'version', 'priority', 'assigneeId', 'openKey', 'resolvedAt', 'lastMessageAt'];
    const pick = (doc: Record<string, unknown> | null) =>
      JSON.parse(JSON.stringify(Object.fromEntries(fields.map((f) => [f, doc?.[f]]))));
    const expectSame = async (step: string) => {
      const stored = await ConversationModel.findById(conversationId).lean();
      const raw = await h.redis.get(key);
      expect(raw, `${step}: a copy in Redis`).to.be.a('string');
      const copy = mongoose.mongo.BSON.EJSON.parse(raw as string, { relaxed: true }) as Record<
        string,
        unknown
      >;
      expect(pick(copy), step).to.deep.equal(pick(stored as unknown as Record<string, unknown>));
    };
    await expectSame('opened');
    await h.service.requestHandoff({ tenantId, actor, conversationId });
    await expectSame('handed off');
    await h.service.claim({ tenantId, actor: admin, conversationId });
    await expectSame('claimed');
    await h.service.postAdminReply({
      tenantId,
      actor: admin,
      conversationId,
      clientId: 'r1',
      text: 'On it.',
    });
    await expectSame('admin replied');
    await h.service.resolve({ tenantId, actor: admin, conversationId });
    await expectSame('resolved');
    // Redis lost the copy: the thread is read from the database again, and cached again.
    await h.redis.del(key);
    const view = await h.service.get({ tenantId, actor: admin, conversationId });
    expect(view.status).to.equal('resolved');
    expect(view.assigneeId).to.equal(admin.userId);
    await expectSame('read again');
  });

  /** A thread a learner asked a person about, as the inbox finds it. */
  const waitingThread = async () => {
    const tenantId = newId();
    const actor = learner();
    const { conversation } = await h.service.openOrContinue({ tenantId, actor, courseId: newId() });
    const conversationId = conversation.id;
    const handedOff = await h.service.requestHandoff({ tenantId, actor, conversationId });
    return { tenantId, conversationId, version: handedOff.conversation.version };
  };

  it("a take-over takes the thread's Redis copy out with its lock: no separate drop before the write", async () => {
    const { tenantId, conversationId, version } = await waitingThread();
    const key = `${h.prefix}:conversation:${conversationId}`;
    const watcher = await readyRedis((await testServices()).redisUrl, 'subscriber');
    const monitor = await watcher.monitor();
    const commands: string[][] = [];
    // A marker sent after the claim on the service's own connection: Redis runs one connection's commands
    // in order, so once MONITOR shows it, every command of the claim on that copy has been shown too.
    const marker = `after-claim-${conversationId}`;
    let markerSeen = () => {};
    const markerShown = new Promise<void>((resolve) => {
      markerSeen = resolve;
    });
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.includes(key)) commands.push(args.map((a) => a.toLowerCase()));
      if (args.includes(marker)) markerSeen();
    });
    try {
      await h.service.claim({
        tenantId,
        actor: { userId: newId(), role: 'admin', name: 'Ada' },
        conversationId,
      });
      await h.redis.echo(marker);
      await markerShown;
    } finally {
      monitor.disconnect();
      watcher.disconnect();
    }
    expect(commands.map((c) => c[0])).to.deep.equal(['getdel', 'set']);
    const copy = JSON.parse((await h.redis.get(key)) as string);
    expect(copy).to.include({ status: 'assigned', version: version + 1 });
  });

  it("a lock holder that writes nothing puts the thread's copy back as it was", async () => {
    const { tenantId, conversationId } = await waitingThread();
    const owner: Actor = { userId: newId(), role: 'admin', name: 'Ada' };
    await h.service.claim({ tenantId, actor: owner, conversationId });
    const key = `${h.prefix}:conversation:${conversationId}`;
    const before = await h.redis.get(key);
    expect(before).to.be.a('string');
    // Refused (another admin) and repeated (the owner's double click): neither writes the thread.
    const refused = await h.service
      .claim({ tenantId, actor: { userId: newId(), role: 'admin', name: 'Bo' }, conversationId })
      .catch((error: unknown) => error);
    expect(refused).to.have.property('code', 'conflict');
    await h.service.claim({ tenantId, actor: owner, conversationId });
    expect(JSON.parse((await h.redis.get(key)) as string)).to.deep.equal(JSON.parse(before as string));
  });
});
