/**
 * Admin inbox performance (issue 6): 100k conversations in one tenant (about 2% open, the rest resolved,
 * spread over a year), bulk-inserted through the raw driver; the web process builds the Redis list index
 * from MongoDB at start. Then, over HTTP against the web process: the default views (Needs attention,
 * Mine, Unassigned) with their counts, a deep page of All, claims; and the same queries on the raw driver
 * (what FerretDB itself costs without the Redis index). Standalone: `npx tsx bench/inbox.bench.ts`.
 */

import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { Types } from 'mongoose';
import { ConversationModel } from '../src/conversations/conversation.model.js';
import { MessageModel } from '../src/conversations/message.model.js';
import { LaunchModel } from '../src/lti/launch.model.js';
import { issueSessionToken } from '../src/lti/session.js';
import { createRedis } from '../src/redis/connection.js';
import { storedTeams } from '../src/storage/inbox/create-inbox.js';
import { RedisInboxIndex } from '../src/storage/inbox/redis-inbox-index.js';
import { TenantModel } from '../src/tenants/tenant.model.js';
import { UserModel } from '../src/users/user.model.js';
import { benchClient, cpuMeter, percentile, startBenchStack } from './support.js';

const TOTAL = Number(process.env.BENCH_INBOX_CONVERSATIONS ?? 100_000);
const OPEN_SHARE = 0.02;
const SAMPLES = Number(process.env.BENCH_INBOX_SAMPLES ?? 60);
const CLAIMS = Number(process.env.BENCH_INBOX_CLAIMS ?? 200);
const RAW_SAMPLES = Number(process.env.BENCH_INBOX_RAW_SAMPLES ?? 1);
const YEAR = 365 * 86_400_000;
const PRIORITIES = ['low', 'normal', 'normal', 'normal', 'high', 'urgent'] as const;
const CATEGORIES = ['login', 'grades', 'billing', 'video', 'accessibility'];
const FIRST = ['Ana', 'Ben', 'Chloé', 'Dev', 'Emma', 'Farid', 'Gina', 'Hugo', 'Ines', 'Jon', 'Kai', 'Lea'];
const LAST = ['Smith', 'García', 'Okafor', 'Nguyen', 'Müller', 'Rossi', 'Kowalski', 'Tanaka', 'Silva'];

const round = (x: number, digits = 1) => Number(x.toFixed(digits));
const progress = (line: string) => process.stderr.write(`  inbox bench: ${line}\n`);
const pick = <T>(list: readonly T[], i: number) => list[i % list.length] as T;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

export async function benchInbox(): Promise<Record<string, number | string>> {
  const stack = await startBenchStack('inbox');
  try {
    const tenantId = new Types.ObjectId();
    const now = Date.now();
    await TenantModel.collection.insertOne({
      _id: tenantId,
      name: 'Bench University',
      timeZone: 'UTC',
      locale: 'en',
      adminRoles: [],
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    // Staff: one lead admin (the bench's session) and a few others to own threads.
    const admins = Array.from({ length: 5 }, () => new Types.ObjectId());
    await UserModel.collection.insertMany(
      admins.map((_id, i) => ({
        _id,
        tenantId,
        subject: `bench-admin-${i}`,
        issuer: 'bench',
        name: `Admin ${i}`,
        lastRole: 'admin',
        lastLaunchAt: new Date(),
        createdAt: new Date(),
        updatedAt: new Date(),
      })),
    );
    const launchId = new Types.ObjectId();
    await LaunchModel.collection.insertOne({
      _id: launchId,
      tenantId,
      userId: admins[0],
      role: 'admin',
      ltiRoles: ['http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator'],
      messageType: 'LtiResourceLinkRequest',
      issuer: 'bench',
      clientId: 'bench',
      deploymentId: 'bench',
      platform: { productFamily: 'moodle', name: 'Bench LMS' },
      custom: {},
      createdAt: new Date(),
    });
    const courses = Array.from({ length: 50 }, () => new Types.ObjectId());

    // Seed: 2% open (half waiting, a third assigned, the rest with the bot), the rest resolved.
    const seedStarted = performance.now();
    const openCount = Math.round(TOTAL * OPEN_SHARE);
    const waitingIds: Types.ObjectId[] = [];
    let lastId: Types.ObjectId | undefined;
    let firstId: Types.ObjectId | undefined;
    const BATCH = 5000;
    for (let start = 0; start < TOTAL; start += BATCH) {
      const docs: Record<string, unknown>[] = [];
      const messages: Record<string, unknown>[] = [];
      for (let i = start; i < Math.min(TOTAL, start + BATCH); i++) {
        const _id = new Types.ObjectId();
        const userId = new Types.ObjectId();
        const createdAt = new Date(now - ((i * 7919) % TOTAL) * (YEAR / TOTAL));
        // Open threads are the newest, so they sit at the end of the collection (as in real life).
        const open = i >= TOTAL - openCount;
        const status = !open ? 'resolved' : i % 6 < 3 ? 'waiting' : i % 6 < 5 ? 'assigned' : 'bot';
        const priority = pick(PRIORITIES, i);
        const handedOff = status !== 'bot';
        const replyBy = handedOff ? new Date(createdAt.getTime() + 3600_000 * (1 + (i % 24))) : undefined;
        const lastMessageAt = new Date(createdAt.getTime() + 60_000 * (i % 30));
        if (status === 'waiting') waitingIds.push(_id);
        lastId = _id;
        firstId ??= _id;
        docs.push({
          _id,
          tenantId,
          courseId: pick(courses, i),
          user: { userId, role: 'learner', name: `${pick(FIRST, i)} ${pick(LAST, i * 7)}` },
          status,
          priority,
          ...(handedOff ? { category: pick(CATEGORIES, i) } : {}),
          ...(status === 'assigned' || status === 'resolved'
            ? { assigneeId: pick(admins, i), assigneeName: `Admin ${i % admins.length}` }
            : {}),
          ...(handedOff
            ? {
                handoff: {
                  question: 'I need help',
                  reasons: [{ code: 'human_request', via: 'button' }],
                  mode: 'live',
                  summary: ['Learner asked for a person.'],
                },
              }
            : {}),
          ...(replyBy ? { replyBy } : {}),
          openKey: open ? `open:${userId}:${pick(courses, i)}` : `closed:${_id}`,
          lastMessageAt,
          lowConfidenceStreak: 0,
          version: open ? 2 : 4,
          locale: 'en',
          context: { productFamily: 'moodle', courseTitle: `Course ${i % courses.length}` },
          createdAt,
          updatedAt: lastMessageAt,
          ...(status === 'resolved' ? { resolvedAt: lastMessageAt, resolution: 'answered' } : {}),
        });
        if (open)
          messages.push({
            _id: new Types.ObjectId(),
            tenantId,
            conversationId: _id,
            author: 'learner',
            authorId: userId,
            kind: 'message',
            text: `My ${pick(CATEGORIES, i)} question number ${i}: I want to talk to a person`,
            citations: [],
            clientId: `seed-${i}`,
            internal: false,
            createdAt: lastMessageAt,
          });
      }
      await ConversationModel.collection.insertMany(docs as never[], { ordered: false });
      if (messages.length) await MessageModel.collection.insertMany(messages as never[], { ordered: false });
    }
    const seedMs = performance.now() - seedStarted;
    progress(`seeded ${TOTAL} in ${round(seedMs / 1000)} s`);

    // The web process builds the index of a tenant without one at start; wait for its marker.
    const redis = createRedis(stack.config.REDIS_URL ?? '', 'subscriber', stack.logger);
    const prefix = stack.config.REDIS_PREFIX;
    const builtKey = `${prefix}:inbox:${tenantId}:built`;
    const rebuildStarted = performance.now();
    const web = await stack.startProcess('web');
    while (!(await redis.exists(builtKey))) await new Promise((resolve) => setTimeout(resolve, 100));
    const rebuildMs = performance.now() - rebuildStarted;
    const usedMemory = /used_memory:(\d+)/.exec(await redis.info('memory'))?.[1];
    progress(`index built in ${round(rebuildMs / 1000)} s`);

    const token = await issueSessionToken(
      {
        launchId: String(launchId),
        tenantId: String(tenantId),
        userId: String(admins[0]),
        role: 'admin',
        locale: 'en',
      },
      stack.config.LTI_ENCRYPTION_KEY,
    );
    const client = benchClient(web.url, token);
    const get = (path: string) =>
      client.get<{ items: unknown[]; counts: Record<string, number>; nextCursor?: string }>(path);
    const post = (path: string) => client.post(path);

    // Warm-up (connections, caches, JIT).
    const first = await get('/api/inbox/conversations?view=attention');
    for (let i = 0; i < 10; i++) await get('/api/inbox/conversations?view=mine');
    // What the client and one HTTP round trip cost by themselves (a request answered at once).
    const floorTimes: number[] = [];
    for (let i = 0; i < 200; i++) floorTimes.push(await timed(() => client.get('/healthz')));

    const webPid = web.child.pid;
    const views = ['attention', 'mine', 'unassigned'];
    const viewTimes: number[] = [];
    const viewCpu = cpuMeter({ web: webPid, mongo: stack.servicePids.mongo, redis: stack.servicePids.redis });
    for (let i = 0; i < SAMPLES; i++)
      for (const view of views)
        viewTimes.push(await timed(() => get(`/api/inbox/conversations?view=${view}`)));
    const viewCpuPer = viewCpu.perOperation(viewTimes.length);

    // A deep page of All: the cursor at the 50 000th resolved thread, read from the index itself.
    const depth = Math.floor((TOTAL - openCount) / 2);
    const [deepMember] = (await redis.call(
      'zrange',
      `${prefix}:inbox:${tenantId}:x:z:resolved:-`,
      String(depth),
      String(depth),
    )) as string[];
    const deepCursor = Buffer.from(JSON.stringify({ s: 1, m: deepMember })).toString('base64url');
    const deepTimes: number[] = [];
    const deepCpu = cpuMeter({ web: webPid, mongo: stack.servicePids.mongo, redis: stack.servicePids.redis });
    for (let i = 0; i < SAMPLES; i++)
      deepTimes.push(await timed(() => get(`/api/inbox/conversations?view=all&cursor=${deepCursor}`)));
    const deepCpuPer = deepCpu.perOperation(deepTimes.length);
    const deepPage = await get(`/api/inbox/conversations?view=all&cursor=${deepCursor}`);

    // A combined filter and a search, for reference.
    const filterTimes: number[] = [];
    for (let i = 0; i < 20; i++)
      filterTimes.push(
        await timed(() => get(`/api/inbox/conversations?view=all&courseId=${courses[3]}&priority=urgent`)),
      );
    const searchTimes: number[] = [];
    for (let i = 0; i < 20; i++)
      searchTimes.push(await timed(() => get('/api/inbox/conversations?view=open&q=okafor%20grades')));

    // Claims of distinct waiting threads, one after another, as an admin takes over: the thread is open
    // first (the "Take over" button is in it; untimed, then a pause to read it), then the claim is timed.
    // And claims of threads nobody opened first (their documents not in Redis).
    progress('views, deep page, filters and search timed; claiming');
    const claimTimes: number[] = [];
    const claimCpu = cpuMeter({
      web: webPid,
      mongo: stack.servicePids.mongo,
      redis: stack.servicePids.redis,
    });
    for (const id of waitingIds.slice(0, CLAIMS)) {
      await claimCpu.without(async () => {
        await get(`/api/inbox/conversations/${id}`);
        // A person reads the thread before taking it over (seconds; a tenth of one here).
        await new Promise((resolve) => setTimeout(resolve, 100));
      });
      claimTimes.push(await timed(() => post(`/api/inbox/conversations/${id}/claim`)));
    }
    const claimCpuPer = claimCpu.perOperation(claimTimes.length);
    const coldClaimTimes: number[] = [];
    for (const id of waitingIds.slice(CLAIMS, 2 * CLAIMS))
      coldClaimTimes.push(await timed(() => post(`/api/inbox/conversations/${id}/claim`)));

    // The same questions asked of FerretDB directly (no Redis index): one page plus five counts, and a
    // deep keyset page of resolved threads.
    progress('timing the same queries on the raw driver');
    const collection = ConversationModel.collection;
    const rawViewTimes: number[] = [];
    const rawCountTimes: number[] = [];
    for (let i = 0; i < RAW_SAMPLES; i++) {
      rawViewTimes.push(
        await timed(() =>
          collection.find({ tenantId, status: 'waiting' }).sort({ replyBy: 1, _id: 1 }).limit(25).toArray(),
        ),
      );
      rawCountTimes.push(await timed(() => collection.countDocuments({ tenantId, status: 'waiting' })));
    }
    // `{ _id }` alone is the one filter FerretDB 1.24 answers from an index (the one our launcher adds:
    // see tools/ferretdb/idindex.go); first and last inserted documents should cost the same.
    const rawIdTimes: number[] = [];
    for (let i = 0; i < 10; i++) rawIdTimes.push(await timed(() => collection.findOne({ _id: firstId })));
    const rawLateIdTimes: number[] = [];
    for (let i = 0; i < RAW_SAMPLES; i++)
      rawLateIdTimes.push(await timed(() => collection.findOne({ _id: lastId })));
    // The database work of one claim, on the raw driver against threads nobody claimed, arranged as the
    // app arranges it: the status write, then the "took over" line beside the two events telling of it
    // (one insert); the audit entry after the answer (written behind, untimed here as there). A claim of
    // a thread nobody opened reads it first.
    const db = ConversationModel.db;
    const rawClaim = async (id: Types.ObjectId, i: number, read: boolean) => {
      const at = new Date();
      const event = (seq: number, name: string) => ({
        _id: new Types.ObjectId(),
        tenantId,
        seq,
        name,
        conversationId: id,
        visibility: 'all',
        actor: { userId: String(admins[0]), role: 'admin' },
        payload: { status: 'assigned' },
        createdAt: at,
      });
      const thread = async () => {
        if (read) await collection.findOne({ _id: id });
        await collection.updateOne(
          { _id: id },
          { $set: { status: 'assigned', assigneeId: admins[0], updatedAt: at, version: 2 } },
        );
        await Promise.all([
          MessageModel.collection.insertOne({
            _id: new Types.ObjectId(),
            tenantId,
            conversationId: id,
            author: 'system',
            kind: 'event',
            text: 'Admin 0 took over.',
            clientId: `raw-claim:${i}`,
            createdAt: at,
          }),
          db
            .collection('events')
            .insertMany([
              event(10_000_000 + 2 * i, 'conversation.claimed'),
              event(10_000_001 + 2 * i, 'message.posted'),
            ]),
        ]);
      };
      const started = performance.now();
      await thread();
      const took = performance.now() - started;
      await db
        .collection('inbox_audit')
        .insertOne({ tenantId, userId: admins[0], action: 'claim', conversationId: id, launchId, at });
      return took;
    };
    const rawClaimTimes: number[] = [];
    for (const [i, id] of waitingIds.slice(2 * CLAIMS, 3 * CLAIMS).entries())
      rawClaimTimes.push(await rawClaim(id, i, false));
    const rawColdClaimTimes: number[] = [];
    for (const [i, id] of waitingIds.slice(3 * CLAIMS, 4 * CLAIMS).entries())
      rawColdClaimTimes.push(await rawClaim(id, CLAIMS + i, true));
    const pivot = new Date(now - YEAR / 2);
    const rawDeepTimes: number[] = [];
    for (let i = 0; i < RAW_SAMPLES; i++)
      rawDeepTimes.push(
        await timed(() =>
          collection
            .find({ tenantId, status: 'resolved', resolvedAt: { $lt: pivot } })
            .sort({ resolvedAt: -1, _id: -1 })
            .limit(25)
            .toArray(),
        ),
      );

    // A rebuild from MongoDB as after a Redis flush (the same code the web process ran at start), timed
    // here on its own; it drops and rewrites the tenant's index.
    progress('timing a full index rebuild');
    const producer = createRedis(stack.config.REDIS_URL ?? '', 'subscriber', stack.logger);
    const index = new RedisInboxIndex({ redis: producer, prefix, teams: storedTeams() });
    const explicitRebuildMs = await timed(() => index.rebuild(String(tenantId)));
    await producer.quit();
    await redis.quit();

    return {
      cores: os.cpus().length,
      conversations: TOTAL,
      'open / waiting seeded': `${openCount} / ${waitingIds.length}`,
      'seed (raw insertMany) s': round(seedMs / 1000),
      'web start + index build s': round(rebuildMs / 1000),
      'index rebuild from MongoDB s': round(explicitRebuildMs / 1000),
      'Redis memory with the index MiB': round(Number(usedMemory ?? 0) / 1048576),
      'counts (attention/mine/unassigned/open/resolved)': Object.values(first.counts).join('/'),
      'default views + counts p50 ms': round(percentile(viewTimes, 50)),
      'default views + counts p95 ms': round(percentile(viewTimes, 95)),
      'default views CPU ms/op web/mongo/redis': `${viewCpuPer.web}/${viewCpuPer.mongo}/${viewCpuPer.redis}`,
      [`deep page of All (#${depth + openCount}) p50 ms`]: round(percentile(deepTimes, 50)),
      [`deep page of All (#${depth + openCount}) p95 ms`]: round(percentile(deepTimes, 95)),
      'deep page items': deepPage.items.length,
      'deep page CPU ms/op web/mongo/redis': `${deepCpuPer.web}/${deepCpuPer.mongo}/${deepCpuPer.redis}`,
      'course+priority filter p95 ms': round(percentile(filterTimes, 95)),
      'search (2 words) p95 ms': round(percentile(searchTimes, 95)),
      'HTTP round trip alone (GET /healthz) p50/p95 ms': `${round(percentile(floorTimes, 50), 2)}/${round(percentile(floorTimes, 95), 2)}`,
      'claim (thread open first) p50 ms': round(percentile(claimTimes, 50)),
      'claim (thread open first) p95 ms': round(percentile(claimTimes, 95)),
      'claim CPU ms/op web/mongo/redis': `${claimCpuPer.web}/${claimCpuPer.mongo}/${claimCpuPer.redis}`,
      'claim of a thread not opened p50 ms': round(percentile(coldClaimTimes, 50)),
      'claim of a thread not opened p95 ms': round(percentile(coldClaimTimes, 95)),
      'raw FerretDB: waiting page (find+sort) p50 ms': round(percentile(rawViewTimes, 50)),
      'raw FerretDB: one count p50 ms': round(percentile(rawCountTimes, 50)),
      'raw FerretDB: deep resolved page p50 ms': round(percentile(rawDeepTimes, 50)),
      'raw FerretDB: findOne by _id, early doc p50 ms': round(percentile(rawIdTimes, 50), 2),
      'raw FerretDB: findOne by _id, last doc p50 ms': round(percentile(rawLateIdTimes, 50), 2),
      "raw FerretDB: a claim's database writes p50 ms": round(percentile(rawClaimTimes, 50)),
      "raw FerretDB: a claim's database writes p95 ms": round(percentile(rawClaimTimes, 95)),
      'raw FerretDB: the same with the thread read first p50 ms': round(percentile(rawColdClaimTimes, 50)),
      'raw FerretDB: the same with the thread read first p95 ms': round(percentile(rawColdClaimTimes, 95)),
    };
  } finally {
    await stack.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await benchInbox();
  for (const [key, value] of Object.entries(figures)) console.log(`  ${key.padEnd(48)} ${value}`);
  process.exit(0);
}
