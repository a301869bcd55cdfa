/**
 * Launch and chat at realistic volume (issue 14): the same measurements on an empty database and after
 * seeding 50,000 users, 2,000 courses and 100,000 conversations (with their messages, events and launch
 * records) over five tenants (`bench/seed-volume.ts`), in one run against the same web and worker
 * processes, printed side by side with the ratio volume / empty (target: within 10 %).
 *
 * - Launch: every launch is a new user (a new `sub`), spread over the tenant's courses, through the whole
 *   flow: login initiation, the LMS's authorization (a worker thread plays the LMS and signs the id
 *   token), the id-token post, and the page it lands on (`GET /chat?ltik=…`, as the LMS iframe loads it).
 *   At concurrency 8 (launches/s, latency under load, CPU per launch of every process), then one at a
 *   time (latency).
 * - Chat exchange: a learner who just launched (launched beforehand, untimed) opens the chat
 *   (`GET /api/chat`), opens the live channel (`/api/chat/events`), posts a question
 *   (`POST /api/chat/messages`) and receives the bot's answer on the live channel (extractive mode, the
 *   sample help articles ingested). One exchange at a time, each by a different learner.
 *
 * Each timed phase stops starting work after BENCH_VOLUME_PHASE_SECONDS (default 60), so the bench ends
 * even when the volume makes every request slow; the count done is printed. Standalone:
 * `npx tsx bench/volume.bench.ts`.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import mongoose, { type Types } from 'mongoose';
import { request } from 'undici';
import { DEV_LMS_CLIENT_ID, DEV_LMS_DEPLOYMENT_ID } from '../src/devlms/index.js';
import { EventStore } from '../src/events/index.js';
import { stableObjectId } from '../src/lib/ids.js';
import { connectRedis } from '../src/redis/connection.js';
import { BotAnswers } from './bot-answers.js';
import { CORPUS, ingestSampleKnowledge } from './chat.bench.js';
import { type SeededCourse, seededCourse, seedVolume, shapeDifferences, VOLUME } from './seed-volume.js';
import { benchClient, cpuMeter, percentile, processCpuMs, startBenchStack } from './support.js';

const LAUNCHES = Number(process.env.BENCH_VOLUME_LAUNCHES ?? 1000);
const SEQUENTIAL_LAUNCHES = Number(process.env.BENCH_VOLUME_SEQUENTIAL ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const EXCHANGES = Number(process.env.BENCH_VOLUME_EXCHANGES ?? 200);
const PHASE_SECONDS = Number(process.env.BENCH_VOLUME_PHASE_SECONDS ?? 60);
const CHAT_WARM_UP = 20;
const ANSWER_TIMEOUT_MS = 60_000;
/** Within this much of the empty-database figure counts as meeting the target. */
const TOLERANCE = 0.1;

const round = (x: number, digits = 1) => Number(x.toFixed(digits));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const progress = (line: string) => process.stderr.write(`  volume bench: ${line}\n`);

interface LaunchRun {
  serverMs: number[];
  pageMs: number[];
  tokens: string[];
  failures: number;
  launches: number;
  seconds: number;
}

/** What one phase (empty database, or at volume) measured. */
interface PhaseFigures {
  launchesPerSecond: number;
  launchesDone: number;
  launchFailures: number;
  loadP50: number;
  loadP95: number;
  sequentialP50: number;
  sequentialP95: number;
  sequentialDone: number;
  pageP50: number;
  cpuPerLaunch: Record<string, number>;
  exchangesDone: number;
  exchangeFailures: number;
  exchangeP50: number;
  exchangeP95: number;
  openP50: number;
  openP95: number;
  answerP50: number;
  answerP95: number;
  cpuPerExchange: Record<string, number>;
  rawIdP50: number;
  rawIdCpu: number;
  seconds: number;
}

/** A learner's live channel read with undici (lighter on the bench's side of the CPU than fetch). */
class AnswerStream extends BotAnswers {
  private readonly controller = new AbortController();

  static async open(url: string, ltik: string, lastEventId: string): Promise<AnswerStream> {
    const stream = new AnswerStream();
    const response = await request(`${url}/api/chat/events`, {
      headers: { authorization: `Bearer ${ltik}`, 'last-event-id': lastEventId, accept: 'text/event-stream' },
      signal: stream.controller.signal,
    });
    if (response.statusCode !== 200) throw new Error(`events ${response.statusCode}`);
    response.body.setEncoding('utf8');
    response.body.on('data', (chunk: string) => stream.read(chunk));
    response.body.on('error', () => undefined); // aborted by close()
    return stream;
  }

  close() {
    this.controller.abort();
  }
}

export async function benchVolume(): Promise<Record<string, number | string>> {
  const stack = await startBenchStack('volume');
  const cleanups: Array<() => Promise<void>> = [];
  try {
    const web = await stack.startProcess('web');
    const worker = await stack.startProcess('worker');
    const { tenant, sourcesReady, close } = await ingestSampleKnowledge(stack);
    cleanups.push(close);
    const keys = await stack.lmsKey();
    const db = mongoose.connection.db;
    if (!db) throw new Error('no database connection');
    const runId = randomUUID().slice(0, 8);
    const pids = { web: web.child.pid, worker: worker.child.pid, ...stack.servicePids };

    const runPlatform = (input: {
      launches: number;
      concurrency: number;
      offset: number;
      subPrefix: string;
      contexts: SeededCourse[];
      landing?: boolean;
      deadlineMs?: number;
      returnTokens?: boolean;
    }) =>
      new Promise<LaunchRun>((resolve, reject) => {
        // tsx's loader does not reach worker threads by itself: register it, then load the TypeScript entry.
        const entry = new URL('./launch-platform.worker.ts', import.meta.url).href;
        const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
        const thread = new Worker(bootstrap, {
          eval: true,
          workerData: {
            publicUrl: stack.publicUrl,
            servers: [web.url],
            loginQuery: stack.loginQuery,
            privateJwk: keys.privateJwk,
            kid: keys.kid,
            ...input,
          },
        });
        // Its kept-alive connections would keep the finished thread alive: end it.
        thread.once('message', (run: LaunchRun) => void thread.terminate().then(() => resolve(run)));
        thread.once('error', reject);
      });

    // The courses each phase launches into: as many as the bench tenant gets seeded, new ones when empty.
    const benchCourseCount = Math.round(VOLUME.courses * VOLUME.benchShare);
    const emptyCourses = Array.from({ length: benchCourseCount }, (_, j) => ({
      ...seededCourse(j),
      contextId: `empty-course-${j}`,
    }));

    // The database alone: `findOne({ _id })` of users spread over the whole collection, on the raw driver
    // (what any product change leaves: lookups in a bigger table, on a page cache smaller than the data).
    const rawIdLookups = async (ids: Types.ObjectId[]) => {
      const users = db.collection('users');
      const times: number[] = [];
      const meter = cpuMeter({ mongo: stack.servicePids.mongo });
      for (const _id of ids) {
        const t0 = performance.now();
        await users.findOne({ _id });
        times.push(performance.now() - t0);
      }
      return {
        p50: round(percentile(times, 50), 2),
        cpu: meter.perOperation(Math.max(1, ids.length)).mongo ?? 0,
      };
    };
    const issuer = `${stack.publicUrl}/dev/lms`;
    const userIds = (subjects: string[]) =>
      subjects.map((subject) => stableObjectId(String(tenant._id), issuer, subject));

    const measure = async (
      phase: string,
      contexts: SeededCourse[],
      lookupSubjects: (subPrefix: string) => string[],
    ): Promise<PhaseFigures> => {
      const phaseStarted = performance.now();
      const subPrefix = `bench-${phase}-${runId}`;
      // Launches: warm-up, then at concurrency 8 (throughput, latency under load, CPU), then one at a time.
      // Warm-ups long enough for the JIT: with a short one the first phase paid for compiling the paths.
      await runPlatform({
        launches: 100,
        concurrency: 2,
        offset: 0,
        subPrefix,
        contexts,
        landing: true,
        deadlineMs: (PHASE_SECONDS * 1000) / 4,
      });
      const meter = cpuMeter(pids);
      const load = await runPlatform({
        launches: LAUNCHES,
        concurrency: CONCURRENCY,
        offset: 1000,
        subPrefix,
        contexts,
        landing: true,
        deadlineMs: PHASE_SECONDS * 1000,
      });
      const cpuPerLaunch = meter.perOperation(Math.max(1, load.serverMs.length));
      progress(
        `${phase}: ${load.serverMs.length} launches at concurrency ${CONCURRENCY} in ${round(load.seconds)} s`,
      );
      const sequential = await runPlatform({
        launches: SEQUENTIAL_LAUNCHES,
        concurrency: 1,
        offset: 100_000,
        subPrefix,
        contexts,
        landing: true,
        deadlineMs: PHASE_SECONDS * 1000,
      });
      progress(
        `${phase}: ${sequential.serverMs.length} launches one at a time in ${round(sequential.seconds)} s`,
      );

      // Chat exchanges: each by a learner who has just launched (launched here, untimed).
      const pool = await runPlatform({
        launches: EXCHANGES + CHAT_WARM_UP,
        concurrency: 4,
        offset: 200_000,
        subPrefix,
        contexts,
        returnTokens: true,
      });
      const exchange = async (ltik: string, i: number) => {
        const client = benchClient(web.url, ltik);
        const t0 = performance.now();
        const opened = await client.get<{ conversation: { id: string }; lastEventId: string }>('/api/chat');
        const t1 = performance.now();
        const stream = await AnswerStream.open(web.url, ltik, String(opened.lastEventId));
        try {
          const clientId = `bench-${phase}-${runId}-${i}`;
          const answered = stream.waitForAnswer(clientId, ANSWER_TIMEOUT_MS);
          const t2 = performance.now();
          await client.post('/api/chat/messages', {
            conversationId: opened.conversation.id,
            clientId,
            text: CORPUS[i % CORPUS.length]?.[1] ?? 'How do I bookmark a page?',
          });
          const at = await answered;
          if (at === null) throw new Error('no answer');
          return { totalMs: at - t0, openMs: t1 - t0, answerMs: at - t2 };
        } finally {
          stream.close();
        }
      };
      const learners = pool.tokens.slice(CHAT_WARM_UP);
      const warmUntil = performance.now() + (PHASE_SECONDS * 1000) / 4;
      for (const [i, ltik] of pool.tokens.slice(0, CHAT_WARM_UP).entries())
        if (performance.now() < warmUntil) await exchange(ltik, i).catch(() => undefined);
      const exchangeMeter = cpuMeter(pids);
      const totals: number[] = [];
      const opens: number[] = [];
      const answers: number[] = [];
      let exchangeFailures = 0;
      const deadline = performance.now() + PHASE_SECONDS * 1000;
      for (const [i, ltik] of learners.entries()) {
        if (performance.now() > deadline) break;
        try {
          const timing = await exchange(ltik, 10 + i);
          totals.push(timing.totalMs);
          opens.push(timing.openMs);
          answers.push(timing.answerMs);
        } catch (error) {
          exchangeFailures++;
          if (exchangeFailures === 1) progress(`${phase}: an exchange failed: ${(error as Error).message}`);
        }
      }
      const cpuPerExchange = exchangeMeter.perOperation(Math.max(1, totals.length));
      progress(`${phase}: ${totals.length} chat exchanges one at a time`);
      const raw = await rawIdLookups(userIds(lookupSubjects(subPrefix)));
      return {
        launchesPerSecond: round(
          load.serverMs.length / load.seconds,
          load.serverMs.length < 10 * load.seconds ? 1 : 0,
        ),
        launchesDone: load.serverMs.length,
        launchFailures: load.failures + sequential.failures,
        loadP50: round(percentile(load.serverMs, 50)),
        loadP95: round(percentile(load.serverMs, 95)),
        sequentialP50: round(percentile(sequential.serverMs, 50)),
        sequentialP95: round(percentile(sequential.serverMs, 95)),
        sequentialDone: sequential.serverMs.length,
        pageP50: round(percentile(sequential.pageMs, 50)),
        cpuPerLaunch,
        exchangesDone: totals.length,
        exchangeFailures,
        exchangeP50: round(percentile(totals, 50)),
        exchangeP95: round(percentile(totals, 95)),
        openP50: round(percentile(opens, 50)),
        openP95: round(percentile(opens, 95)),
        answerP50: round(percentile(answers, 50)),
        answerP95: round(percentile(answers, 95)),
        cpuPerExchange,
        rawIdP50: raw.p50,
        rawIdCpu: raw.cpu,
        seconds: round((performance.now() - phaseStarted) / 1000, 0),
      };
    };

    progress('empty database: measuring');
    // Raw lookups: 500 users picked at random among those there (launched in this phase; seeded ones).
    const randomIndexes = (count: number, below: number) =>
      Array.from({ length: count }, (_, i) => Math.floor((((i + 1) * 7919.123) % 1) * below));
    const empty = await measure('empty', emptyCourses, (subPrefix) =>
      randomIndexes(500, LAUNCHES).map((i) => `${subPrefix}-${1000 + i}`),
    );

    // What the product itself wrote, to check the seeded documents have the same shape.
    const tenantId = tenant._id as Types.ObjectId;
    const written: Record<string, Record<string, unknown> | null> = {};
    for (const collection of ['users', 'courses', 'lti_launches', 'conversations', 'messages', 'events'])
      written[collection] = await db.collection(collection).findOne({ tenantId });

    progress(
      `seeding ${VOLUME.users.toLocaleString('en')} users, ${VOLUME.courses.toLocaleString('en')} courses, ` +
        `${VOLUME.conversations.toLocaleString('en')} conversations over ${VOLUME.tenants} tenants`,
    );
    const redis = await connectRedis(stack.config.REDIS_URL ?? '', 'producer', stack.logger);
    cleanups.push(async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
    const mongoPid = stack.servicePids.mongo;
    const seedMongoCpuBefore = mongoPid ? processCpuMs(mongoPid) : 0;
    const seeded = await seedVolume({
      db,
      bench: {
        tenantId,
        issuer: `${stack.publicUrl}/dev/lms`,
        clientId: DEV_LMS_CLIENT_ID,
        deploymentId: DEV_LMS_DEPLOYMENT_ID,
      },
      events: new EventStore({ redis, prefix: stack.config.REDIS_PREFIX }),
      progress,
    });
    const seedMongoCpuS = mongoPid ? (processCpuMs(mongoPid) - seedMongoCpuBefore) / 1000 : 0;
    const shape = await shapeDifferences(db, written, seeded.samples);
    await sleep(2000); // let FerretDB finish what the bulk writes left (SQLite checkpoints)

    progress('at volume: measuring');
    const benchUsers = Math.round(VOLUME.users * VOLUME.benchShare);
    const volume = await measure('volume', seeded.benchCourses, () =>
      randomIndexes(500, benchUsers).map((i) => `seed-user-${i}`),
    );

    return {
      cores: os.cpus().length,
      'knowledge sources ready': sourcesReady,
      seeded: Object.entries(seeded.counts)
        .map(([name, n]) => `${name} ${n.toLocaleString('en')}`)
        .join(', '),
      'seeding s (FerretDB CPU s)': `${round(seeded.totalSeconds)} (${round(seedMongoCpuS)})`,
      'seeding s per collection': Object.entries(seeded.seconds)
        .map(([name, s]) => `${name} ${round(s)}`)
        .join(', '),
      'phase s (empty / volume)': `${empty.seconds} / ${volume.seconds}`,
      'seeded shape vs product': shape.length ? shape.join('; ') : 'same top-level fields',
      ...figureRows(empty, volume),
      // The bench's own CPU per operation (signing id tokens, HTTP clients) does not depend on the data:
      // when it moves between the phases, the machine changed under the run (other work on the cores).
      'noise check: bench CPU per op volume/empty': noiseCheck(empty, volume),
      targets: `at volume within ${TOLERANCE * 100} % of the empty-database figures (✓ within, ✗ not)`,
    };
  } finally {
    for (const cleanup of cleanups) await cleanup();
    await stack.close();
  }
}

/** The bench's own CPU per launch and per exchange, volume over empty, and whether the run looks quiet. */
function noiseCheck(empty: PhaseFigures, volume: PhaseFigures): string {
  const ratio = (a?: number, b?: number) => (a && b ? b / a : Number.NaN);
  const launch = ratio(empty.cpuPerLaunch.self, volume.cpuPerLaunch.self);
  const chat = ratio(empty.cpuPerExchange.self, volume.cpuPerExchange.self);
  const quiet = [launch, chat].every((r) => Math.abs(r - 1) <= TOLERANCE);
  return `launch ×${launch.toFixed(2)}, chat ×${chat.toFixed(2)}: ${
    quiet ? 'steady' : 'moved by more than the target: differences of that size here are not the data'
  }`;
}

/** Rows "empty | volume | ratio", judged against the tolerance (lower is better unless said). */
function figureRows(empty: PhaseFigures, volume: PhaseFigures): Record<string, string> {
  const row = (a: number, b: number, higherIsBetter = false, judged = true) => {
    const ratio = a > 0 ? b / a : Number.NaN;
    const ok = higherIsBetter ? ratio >= 1 - TOLERANCE : ratio <= 1 + TOLERANCE;
    const mark = judged && Number.isFinite(ratio) ? (ok ? ' ✓' : ' ✗') : '';
    return `${a} | ${b} | ×${Number.isFinite(ratio) ? ratio.toFixed(2) : '—'}${mark}`;
  };
  const cpu = (figures: Record<string, number>, name: string) => figures[name] ?? 0;
  const tool = (figures: Record<string, number>) => round(cpu(figures, 'web') + cpu(figures, 'worker'), 2);
  /** CPU ms per operation of each process: the tool's and FerretDB's judged, Redis and the bench's not. */
  const cpuRows = (what: string, a: Record<string, number>, b: Record<string, number>, bench: string) => ({
    [`${what} CPU ms: tool (web + worker)`]: row(tool(a), tool(b)),
    [`${what} CPU ms: FerretDB`]: row(cpu(a, 'mongo'), cpu(b, 'mongo')),
    [`${what} CPU ms: Redis`]: row(cpu(a, 'redis'), cpu(b, 'redis'), false, false),
    [`${what} CPU ms: ${bench}`]: row(cpu(a, 'self'), cpu(b, 'self'), false, false),
  });
  return {
    columns: 'empty | volume | volume/empty',
    'launch: launches done (conc. / one at a time)': `${empty.launchesDone} / ${empty.sequentialDone} | ${volume.launchesDone} / ${volume.sequentialDone}`,
    'launch: failures': `${empty.launchFailures} | ${volume.launchFailures}`,
    [`launch: launches/s at concurrency ${CONCURRENCY}`]: row(
      empty.launchesPerSecond,
      volume.launchesPerSecond,
      true,
    ),
    'launch: p50 ms under load': row(empty.loadP50, volume.loadP50),
    'launch: p95 ms under load': row(empty.loadP95, volume.loadP95),
    'launch: p50 ms one at a time': row(empty.sequentialP50, volume.sequentialP50),
    'launch: p95 ms one at a time': row(empty.sequentialP95, volume.sequentialP95),
    'launch: landing page p50 ms (one at a time)': row(empty.pageP50, volume.pageP50, false, false),
    ...cpuRows('launch', empty.cpuPerLaunch, volume.cpuPerLaunch, 'LMS (bench)'),
    'chat: exchanges done (failures)': `${empty.exchangesDone} (${empty.exchangeFailures}) | ${volume.exchangesDone} (${volume.exchangeFailures})`,
    'chat: exchange p50 ms': row(empty.exchangeP50, volume.exchangeP50),
    'chat: exchange p95 ms': row(empty.exchangeP95, volume.exchangeP95),
    'chat: GET /api/chat p50 ms': row(empty.openP50, volume.openP50, false, false),
    'chat: GET /api/chat p95 ms': row(empty.openP95, volume.openP95, false, false),
    'chat: post → answer p50 ms': row(empty.answerP50, volume.answerP50, false, false),
    'chat: post → answer p95 ms': row(empty.answerP95, volume.answerP95, false, false),
    ...cpuRows('chat', empty.cpuPerExchange, volume.cpuPerExchange, 'learners (bench)'),
    'raw FerretDB: findOne users by _id p50 ms': row(empty.rawIdP50, volume.rawIdP50, false, false),
    'raw FerretDB: the same, FerretDB CPU ms': row(empty.rawIdCpu, volume.rawIdCpu, false, false),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await benchVolume();
  for (const [key, value] of Object.entries(figures)) console.log(`  ${key.padEnd(48)} ${value}`);
  process.exit(0);
}
