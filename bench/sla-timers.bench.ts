/**
 * SLA timers at volume (issue 15): 100,000 pending timers in one Redis, scheduled through the product's
 * own `TimerScheduler` (the BullMQ delayed jobs of the `sla` queue with their deterministic ids, options
 * and payloads, and the pending set the sweep reads), on a database seeded with `bench/seed-volume.ts`
 * (50k users, 2k courses, 100k conversations over five tenants; BENCH_SEED_* scale it).
 *
 * - Memory: Redis `INFO memory` used_memory after scheduling minus before, per pending timer.
 * - Firing lateness: with the 100k pending, 1,000 more timers come due within the same second; a worker
 *   on its own `worker` connection, SLA_WORKER_CONCURRENCY jobs at once (or BENCH_SLA_WORKER_CONCURRENCY),
 *   records fired-at (its handler starting) minus due-at for each. p50 / p99 / max. This is the timer
 *   itself: how late the queue hands a due job to a worker.
 * - Breach recorded: 1,000 real clocks (stored in `sla_clocks`, first response running) breach within the
 *   same second, and the product's own `sla` worker (`startWorkers`, the real `fireTimer`, listeners on)
 *   records each breach on its thread. Lateness of the handler starting and of the breach stored, and
 *   breaches recorded per second. No target: it is bounded by the database's writes (each breach is a
 *   lock, two reads, a staff-only note with its events and the clock's save).
 * - Re-arming: a learner message restarts a thread's next-response clock: `TimerScheduler.sync` moves its
 *   warning and breach jobs from one cycle to the next (old jobs removed, new ones added, pending set
 *   updated). Threads re-armed per second, BENCH_SLA_REARM_CONCURRENCY (default: SLA_WORKER_CONCURRENCY, one
 *   worker process's reactions) at once; the queue still holds exactly 100k timers afterwards.
 *
 * Everything runs in this process against the bench's own embedded FerretDB and Redis, under a prefix of
 * its own; both are removed at the end. Standalone: `npx tsx bench/sla-timers.bench.ts`.
 */

import { once } from 'node:events';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { buildDeclaredIndexes } from '../src/db/indexes.js';
import { EventStore } from '../src/events/index.js';
import { createJobServices } from '../src/jobs/job-services.js';
import { registerJobListeners } from '../src/jobs/listeners.js';
import { type JobPayloads, Queues } from '../src/jobs/queues.js';
import { closeWorkers, startWorkers } from '../src/jobs/workers.js';
import { stableObjectId } from '../src/lib/ids.js';
import { connectRedis, createRedis } from '../src/redis/connection.js';
import type { ClockState } from '../src/sla/clock.js';
import { slaKeys, type TimerJob, TimerScheduler } from '../src/sla/timer-scheduler.js';
import { createConversationDomain } from '../src/storage/conversations/create-conversation-domain.js';
import { MongoClockStore } from '../src/storage/sla/mongo-clock-store.js';
import { RedisTimerSets } from '../src/storage/sla/redis-timer-sets.js';
import { seedVolume, VOLUME } from './seed-volume.js';
import { percentile, pool, round, startBenchStack } from './support.js';

const PENDING = Number(process.env.BENCH_SLA_PENDING ?? 100_000);
const DUE_TOGETHER = Number(process.env.BENCH_SLA_DUE_TOGETHER ?? 1_000);
const REARMS = Number(process.env.BENCH_SLA_REARMS ?? 5_000);
const SCHEDULE_CONCURRENCY = 64;

const TARGETS = { lateP50Ms: 50, lateP99Ms: 500, bytesPerTimer: 1536, rearmPerSecond: 2000 };

const progress = (line: string) => process.stderr.write(`  sla-timers bench: ${line}\n`);
const meets = (ok: boolean) => (ok ? 'meets' : 'MISSES');

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

/** A thread's next-response warning and breach timers of one cycle (the shape the clock engine plans). */
function nextResponseTimers(
  cycle: number,
  breachAt: Date,
  warnShare = 0.75,
  targetMs = 4 * 3600_000,
): TimerJob[] {
  return [
    {
      kind: 'fire',
      target: 'next_response',
      cycle,
      stage: 'warning',
      at: new Date(breachAt.getTime() - (1 - warnShare) * targetMs),
    },
    { kind: 'fire', target: 'next_response', cycle, stage: 'breach', at: breachAt },
  ];
}

export async function benchSlaTimers(): Promise<Record<string, number | string>> {
  const stack = await startBenchStack('sla-timers', { REDIS_PREFIX: 'benchsla' });
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const { config, logger } = stack;
    const db = mongoose.connection.db;
    if (!db) throw new Error('no database connection');
    const redis = await connectRedis(config.REDIS_URL ?? '', 'producer', logger);
    if (redis.status !== 'ready') await once(redis, 'ready');
    cleanups.push(() => redis.quit().catch(() => redis.disconnect()));

    // A realistic database: the volume seeder's tenants, people, courses and threads.
    const benchTenant = stableObjectId('bench-sla-tenant');
    progress(`seeding ${VOLUME.conversations.toLocaleString('en')} conversations (a few minutes)`);
    const seeded = await seedVolume({
      db,
      bench: {
        tenantId: benchTenant,
        issuer: 'https://lms.bench.example',
        clientId: 'bench',
        deploymentId: 'bench',
      },
      events: new EventStore({ redis, prefix: config.REDIS_PREFIX }),
      progress,
    });
    // Every declared index, as the web process builds them at start-up (the fire handler writes messages).
    await buildDeclaredIndexes(logger);
    const threads = (
      await db
        .collection('conversations')
        .find({}, { projection: { _id: 1, tenantId: 1 } })
        .limit(Math.ceil(PENDING / 2) + 2 * DUE_TOGETHER)
        .toArray()
    ).map((doc) => ({ id: String(doc._id), tenantId: String(doc.tenantId) }));
    if (threads.length < Math.ceil(PENDING / 2) + 2 * DUE_TOGETHER)
      throw new Error(`only ${threads.length} threads seeded; BENCH_SEED_CONVERSATIONS too small`);

    const queues = new Queues(redis, config.REDIS_PREFIX);
    cleanups.push(() => queues.close());
    const timerSets = new RedisTimerSets(redis, config.REDIS_PREFIX);
    const scheduler = new TimerScheduler(queues, timerSets);
    await queues.get('sla').waitUntilReady();

    // ------------------------------------------------------------------ 100k pending timers
    const pendingThreads = threads.slice(0, Math.ceil(PENDING / 2));
    const memoryBefore = await usedMemory(redis);
    progress(`scheduling ${PENDING.toLocaleString('en')} pending timers`);
    const day = 86_400_000;
    const scheduleStarted = performance.now();
    await pool(pendingThreads, SCHEDULE_CONCURRENCY, async (thread) => {
      // Due between 1 and 14 days out: they stay pending for the whole bench.
      const breachAt = new Date(Date.now() + day + Math.floor(Math.random() * 13 * day));
      const timers = nextResponseTimers(0, breachAt);
      await scheduler.sync(thread.tenantId, thread.id, [], timers, timers[0]?.at);
      await timerSets.setActive(thread.id, true);
    });
    const scheduleSeconds = (performance.now() - scheduleStarted) / 1000;
    const delayedCount = await queues.get('sla').getDelayedCount();
    const memoryAfter = await usedMemory(redis);
    const bytesPerTimer = (memoryAfter - memoryBefore) / delayedCount;

    // ------------------------------------------------------------------ 1,000 due in the same second
    const workerConnection = createRedis(config.REDIS_URL ?? '', 'worker', logger);
    cleanups.push(() => workerConnection.quit().catch(() => workerConnection.disconnect()));
    const workerConcurrency = Number(
      process.env.BENCH_SLA_WORKER_CONCURRENCY ?? config.SLA_WORKER_CONCURRENCY,
    );
    /** The second a round's timers come due: far enough ahead that scheduling them is over well before. */
    const nextDueSecond = () => Math.ceil((Date.now() + 8_000) / 1000) * 1000;
    const within = <T>(work: Promise<T>, what: string) =>
      Promise.race([
        work.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 60_000).unref()),
      ]).then((ok) => {
        if (!ok) progress(`${what}: not all within 60 s`);
      });

    // Round 1, the timer: DUE_TOGETHER timers due within one second, each one's lateness as a worker takes it.
    const firingRound = async (dueThreads: typeof threads) => {
      const lateness: number[] = [];
      let allFired: () => void = () => undefined;
      const done = new Promise<void>((resolve) => {
        allFired = resolve;
      });
      const worker = new Worker(
        'sla',
        async (job: Job<JobPayloads['sla']['fire']>) => {
          lateness.push(Date.now() - Date.parse(job.data.dueAt));
          if (lateness.length >= dueThreads.length) allFired();
        },
        { connection: workerConnection, prefix: config.REDIS_PREFIX, concurrency: workerConcurrency },
      );
      worker.on('error', () => undefined);
      await worker.waitUntilReady();
      const second = nextDueSecond();
      progress(`${dueThreads.length} timers due within the second at ${new Date(second).toISOString()}`);
      await pool(dueThreads, SCHEDULE_CONCURRENCY, async (thread) => {
        const at = new Date(second + Math.floor(Math.random() * 1000));
        const timer: TimerJob = { kind: 'fire', target: 'first_response', cycle: 0, stage: 'breach', at };
        await scheduler.sync(thread.tenantId, thread.id, [], [timer], at);
      });
      if (Date.now() > second) progress('warning: scheduling ran into the due second');
      await within(done, 'firing');
      await worker.close();
      return lateness;
    };

    // Round 2, the product's handler: real clocks breach within one second; the `sla` worker records them.
    const breachRound = async (dueThreads: typeof threads) => {
      const started: number[] = [];
      const recorded: number[] = [];
      const results = new Map<string, number>();
      const store = new MongoClockStore(redis, config.REDIS_PREFIX);
      const second = nextDueSecond();
      progress(
        `${dueThreads.length} real clocks breaching within the second at ${new Date(second).toISOString()}`,
      );
      await pool(dueThreads, SCHEDULE_CONCURRENCY, async (thread) => {
        const dueAt = new Date(second + Math.floor(Math.random() * 1000));
        const startedAt = new Date(dueAt.getTime() - 4 * 3600_000);
        const warnAt = new Date(dueAt.getTime() - 3600_000);
        // Handed off four hours ago, warned at 75 %: the breach is the one timer left.
        const state: ClockState = {
          conversationId: thread.id,
          tenantId: thread.tenantId,
          active: true,
          priority: 'normal',
          match: { priority: 'normal' },
          startedAt,
          targets: {
            first_response: {
              cycle: 0,
              state: 'running',
              startedAt,
              target: { minutes: 240, clock: 'calendar' },
              usedMinutes: 0,
              segmentStart: startedAt,
              warnAt,
              warnedAt: warnAt,
              dueAt,
              escalated: 0,
            },
          },
        };
        await store.save(state, 0, dueAt);
        const timer: TimerJob = {
          kind: 'fire',
          target: 'first_response',
          cycle: 0,
          stage: 'breach',
          at: dueAt,
        };
        await scheduler.sync(thread.tenantId, thread.id, [], [timer], dueAt);
        await timerSets.setActive(thread.id, true);
      });
      if (Date.now() > second) progress('warning: scheduling ran into the due second');
      const conversations = createConversationDomain({
        redis,
        prefix: config.REDIS_PREFIX,
        logger,
        messageMaxChars: config.MESSAGE_MAX_CHARS,
      });
      const stopListening = registerJobListeners(conversations.bus, queues, logger);
      let allRecorded: () => void = () => undefined;
      const done = new Promise<void>((resolve) => {
        allRecorded = resolve;
      });
      const [worker] = startWorkers({
        connection: workerConnection,
        prefix: config.REDIS_PREFIX,
        concurrency: workerConcurrency,
        logger,
        queues: ['sla'],
        services: createJobServices({ config, logger, redis, queues, conversations }),
      });
      if (!worker) throw new Error('no sla worker');
      const dueOf = (job: Job) => Date.parse(String((job.data as { dueAt?: string }).dueAt));
      worker.on('active', (job) => {
        if (job.name === 'fire') started.push(Date.now() - dueOf(job));
      });
      const failures = new Map<string, number>();
      worker.on('failed', (_job, error) => {
        const reason = `failed: ${error.message}`;
        if (!failures.has(reason)) progress(`a breach job ${reason}`);
        failures.set(reason, (failures.get(reason) ?? 0) + 1);
      });
      worker.on('completed', (job, result) => {
        if (job.name !== 'fire') return;
        recorded.push(Date.now() - dueOf(job));
        results.set(String(result), (results.get(String(result)) ?? 0) + 1);
        if (recorded.length >= dueThreads.length) allRecorded();
      });
      const firstDueAt = second;
      await within(done, 'breaches');
      const seconds = (Date.now() - firstDueAt) / 1000;
      // Past the minute, what is still running is abandoned (the queue is removed below).
      if (recorded.length < dueThreads.length) await worker.close(true);
      else await closeWorkers([worker]);
      stopListening();
      return { started, recorded, results, perSecond: recorded.length / seconds };
    };

    const firstDue = pendingThreads.length;
    const lateness = await firingRound(threads.slice(firstDue, firstDue + DUE_TOGETHER));
    const fired = lateness.length;

    // ------------------------------------------------------------------ re-arming on a learner message
    const rearmConcurrency = Number(process.env.BENCH_SLA_REARM_CONCURRENCY ?? config.SLA_WORKER_CONCURRENCY);
    const rearmThreads = pendingThreads.slice(0, Math.min(REARMS, pendingThreads.length));
    // Their current timers, as the clock engine knows them (read back from the jobs' payloads).
    const before = new Map<string, TimerJob[]>();
    for (const thread of rearmThreads) {
      const job = await queues.get('sla').getJob(`sla-${thread.id}-next_response-0-breach`);
      const breachAt = new Date(Date.parse(String(job?.data?.dueAt)));
      before.set(thread.id, nextResponseTimers(0, breachAt));
    }
    progress(`re-arming ${rearmThreads.length} threads, ${rearmConcurrency} at once`);
    const rearmStarted = performance.now();
    const rearmMs: number[] = [];
    await pool(rearmThreads, rearmConcurrency, async (thread) => {
      const started = performance.now();
      // The learner wrote: next response restarts (cycle 1), 4 business hours from now.
      const after = nextResponseTimers(1, new Date(Date.now() + 4 * 3600_000));
      await scheduler.sync(thread.tenantId, thread.id, before.get(thread.id) ?? [], after, after[0]?.at);
      rearmMs.push(performance.now() - started);
    });
    const rearmSeconds = (performance.now() - rearmStarted) / 1000;
    const rearmPerSecond = rearmThreads.length / rearmSeconds;
    const delayedAfterRearm = await queues.get('sla').getDelayedCount();

    // Last, as its breaches schedule escalation steps that would change the queue the re-arming counts.
    const breaches = await breachRound(threads.slice(firstDue + DUE_TOGETHER, firstDue + 2 * DUE_TOGETHER));

    // ------------------------------------------------------------------ clean up the prefix
    await queues.get('sla').obliterate({ force: true });
    await queues.get('notify').obliterate({ force: true });
    await redis.del(slaKeys(config.REDIS_PREFIX).pending, slaKeys(config.REDIS_PREFIX).active);

    const p50 = percentile(lateness, 50);
    const p99 = percentile(lateness, 99);
    return {
      cores: os.cpus().length,
      node: process.version,
      seededConversations: seeded.counts.conversations ?? 0,
      pendingTimers: delayedCount,
      scheduledPerSecond: Math.round(delayedCount / scheduleSeconds),
      redisBytesPerTimer: `${Math.round(bytesPerTimer)} (target ≤ ${TARGETS.bytesPerTimer}: ${meets(bytesPerTimer <= TARGETS.bytesPerTimer)})`,
      redisMemoryDeltaMB: round((memoryAfter - memoryBefore) / 1024 / 1024),
      dueTogether: `${fired} fired of ${DUE_TOGETHER} due within one second`,
      workerConcurrency,
      latenessP50Ms: `${round(p50)} (target ≤ ${TARGETS.lateP50Ms}: ${meets(p50 <= TARGETS.lateP50Ms)})`,
      latenessP99Ms: `${round(p99)} (target ≤ ${TARGETS.lateP99Ms}: ${meets(p99 <= TARGETS.lateP99Ms)})`,
      latenessMaxMs: round(Math.max(...lateness, 0)),
      breachesRecorded: `${breaches.recorded.length} of ${DUE_TOGETHER} (${[...breaches.results].map(([result, count]) => `${count} ${result}`).join(', ')})`,
      breachHandlerStartP50Ms: round(percentile(breaches.started, 50)),
      breachHandlerStartP99Ms: round(percentile(breaches.started, 99)),
      breachRecordedP50Ms: round(percentile(breaches.recorded, 50)),
      breachRecordedP99Ms: round(percentile(breaches.recorded, 99)),
      breachesRecordedPerSecond: round(breaches.perSecond),
      rearmPerSecond: `${Math.round(rearmPerSecond)} (target ≥ ${TARGETS.rearmPerSecond}: ${meets(rearmPerSecond >= TARGETS.rearmPerSecond)})`,
      rearmConcurrency,
      rearmP50Ms: round(percentile(rearmMs, 50), 2),
      rearmP99Ms: round(percentile(rearmMs, 99), 2),
      timersAfterRearm: `${delayedAfterRearm} (expected ${delayedCount}: every move removed its old jobs)`,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await stack.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await benchSlaTimers();
  for (const [key, value] of Object.entries(figures)) console.log(`  ${key.padEnd(28)} ${value}`);
  process.exit(0);
}
