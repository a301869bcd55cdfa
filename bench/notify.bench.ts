/**
 * Notification delivery (issue 15): emails per second from stored deliveries to a local SMTP server
 * (`smtp-server` in this process), through the product's own path: `requestNotifications` stores one
 * delivery per recipient and enqueues its `notify.deliver` job; a worker built by the product's
 * `startWorkers` (NOTIFY_WORKER_CONCURRENCY jobs at once) claims each delivery, renders it and sends it with the
 * pooled nodemailer transport (SMTP_URL, up to 5 connections), then marks it sent.
 *
 * On a database that is not empty: BENCH_NOTIFY_HISTORY (default 100,000) earlier deliveries over five
 * tenants (about four months of a busy install), and conversations for the messages to name.
 *
 * Printed: requests stored per second (the requests made before the worker starts), emails delivered per
 * second (worker start → the SMTP server has them all, or as many as arrived within
 * BENCH_NOTIFY_LIMIT_SECONDS), what the pooled transport alone sends per second to the same server (the
 * ceiling the delivery path runs under), and what one update of the deliveries collection costs by `_id`
 * and with a conditional filter (FerretDB scans for the latter). Standalone:
 * `npx tsx bench/notify.bench.ts`.
 */

import { once } from 'node:events';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import mongoose, { Types } from 'mongoose';
import { SMTPServer } from 'smtp-server';
import { createJobServices } from '../src/jobs/job-services.js';
import { Queues } from '../src/jobs/queues.js';
import { closeWorkers, startWorkers } from '../src/jobs/workers.js';
import { closeSmtpTransports, smtpTransport } from '../src/notify/channels/email.js';
import { requestNotifications } from '../src/notify/notifier.js';
import { connectRedis, createRedis } from '../src/redis/connection.js';
import { createConversationDomain } from '../src/storage/conversations/create-conversation-domain.js';
import { pool, round, startBenchStack } from './support.js';

const EMAILS = Number(process.env.BENCH_NOTIFY_EMAILS ?? 2_000);
const HISTORY = Number(process.env.BENCH_NOTIFY_HISTORY ?? 100_000);
const REQUEST_CONCURRENCY = 16;
/** Delivery stops being waited for after this long (BENCH_NOTIFY_LIMIT_SECONDS); the count done is printed. */
const DELIVERY_LIMIT_MS = Number(process.env.BENCH_NOTIFY_LIMIT_SECONDS ?? 120) * 1000;
const TARGET_PER_SECOND = 200;

const progress = (line: string) => process.stderr.write(`  notify bench: ${line}\n`);

/** A local SMTP server that counts what it accepts and resolves when `count` messages arrived. */
async function startCountingSmtp() {
  let received = 0;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        received++;
        for (const waiter of [...waiters])
          if (received >= waiter.count) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve();
          }
        callback();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received: () => received,
    reached(count: number) {
      return received >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiters.push({ count, resolve }));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function benchNotify(): Promise<Record<string, number | string>> {
  const smtp = await startCountingSmtp();
  const stack = await startBenchStack('notify', { REDIS_PREFIX: 'benchnotify', SMTP_URL: smtp.url });
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const { config, logger } = stack;
    const db = mongoose.connection.db;
    if (!db) throw new Error('no database connection');
    const redis = await connectRedis(config.REDIS_URL ?? '', 'producer', logger);
    if (redis.status !== 'ready') await once(redis, 'ready');
    cleanups.push(() => redis.quit().catch(() => redis.disconnect()));

    // ------------------------------------------------------------------ a database with history
    const tenants = Array.from({ length: 5 }, () => new Types.ObjectId());
    const tenantId = String(tenants[0]);
    progress(`seeding ${HISTORY.toLocaleString('en')} earlier deliveries and ${EMAILS} threads`);
    const old = Date.now() - 120 * 86_400_000;
    for (let start = 0; start < HISTORY; start += 4000) {
      const batch = Array.from({ length: Math.min(4000, HISTORY - start) }, (_, k) => {
        const i = start + k;
        const at = new Date(old + i * 100_000);
        return {
          _id: `dhist${i.toString(16).padStart(27, '0')}`,
          tenantId: String(tenants[i % tenants.length]),
          kind: 'handoff_new',
          key: `handoff-hist-${i}`,
          conversationId: new Types.ObjectId().toHexString(),
          recipient: { type: 'email', target: `lead${i % 50}@example.edu` },
          content: { kind: 'handoff_new', title: `New handoff: Learner ${i}`, lines: [] },
          status: 'sent',
          attempts: 1,
          attemptId: 0,
          sentAt: at,
          createdAt: at,
          updatedAt: at,
        };
      });
      await db.collection('notification_deliveries').insertMany(batch as never[], { ordered: false });
    }
    const threads = Array.from({ length: EMAILS }, (_, i) => ({
      _id: new Types.ObjectId(),
      tenantId: tenants[0],
      user: {
        userId: new Types.ObjectId(),
        role: 'learner',
        name: `Learner ${i}`,
        email: `learner${i}@example.edu`,
      },
      status: 'waiting',
      priority: 'normal',
      openKey: `closed:bench-${i}`,
      lastMessageAt: new Date(),
      lowConfidenceStreak: 0,
      version: 1,
      locale: 'en',
      context: { courseTitle: 'Biology 101' },
      handoff: {
        question: 'I cannot open the quiz',
        reasons: [{ code: 'keyword', detail: "can't access" }],
        mode: 'async',
        user: { userId: 'x', role: 'learner', name: `Learner ${i}` },
        summary: ['Quiz will not open', 'Tried two browsers'],
      },
      createdAt: new Date(),
      updatedAt: new Date(),
    }));
    await db.collection('conversations').insertMany(threads as never[], { ordered: false });

    // What a write costs on this collection: by `_id` alone, and with one more field in the filter (the
    // shape of a conditional claim), which FerretDB answers by reading the whole collection.
    const probeId = HISTORY > 0 ? `dhist${(HISTORY - 1).toString(16).padStart(27, '0')}` : 'none';
    const timed = async (work: () => Promise<unknown>) => {
      const started = performance.now();
      await work();
      return round(performance.now() - started);
    };
    const deliveries = db.collection('notification_deliveries');
    const updateByIdMs = await timed(() =>
      deliveries.updateOne({ _id: probeId as never }, { $set: { updatedAt: new Date() } }),
    );
    const conditionalUpdateMs = await timed(() =>
      // A claim that does not match (the delivery is not pending): FerretDB reads every document to say so.
      deliveries.updateOne({ _id: probeId, status: 'pending' } as never, { $set: { updatedAt: new Date() } }),
    );

    const queues = new Queues(redis, config.REDIS_PREFIX);
    cleanups.push(() => queues.close());
    const deps = { queues, config, logger };

    // ------------------------------------------------------------------ requests (stored + enqueued)
    progress(`requesting ${EMAILS} email notifications`);
    const requestStarted = performance.now();
    await pool(threads, REQUEST_CONCURRENCY, async (thread) => {
      await requestNotifications(deps, {
        tenantId,
        kind: 'handoff_new',
        key: `bench-handoff-${thread._id}`,
        conversationId: String(thread._id),
        recipients: [{ type: 'email', target: `lead-${String(thread._id).slice(-6)}@example.edu` }],
      });
    });
    const requestSeconds = (performance.now() - requestStarted) / 1000;

    // ------------------------------------------------------------------ delivery by the product's worker
    const workerConnection = createRedis(config.REDIS_URL ?? '', 'worker', logger);
    cleanups.push(() => workerConnection.quit().catch(() => workerConnection.disconnect()));
    const conversations = createConversationDomain({
      redis,
      prefix: config.REDIS_PREFIX,
      logger,
      messageMaxChars: config.MESSAGE_MAX_CHARS,
    });
    progress(`delivering with ${config.NOTIFY_WORKER_CONCURRENCY} jobs at once`);
    const deliverStarted = performance.now();
    const workers = startWorkers({
      connection: workerConnection,
      prefix: config.REDIS_PREFIX,
      concurrency: config.NOTIFY_WORKER_CONCURRENCY,
      logger,
      queues: ['notify'],
      services: createJobServices({ config, logger, redis, queues, conversations }),
    });
    cleanups.push(() => closeWorkers(workers));
    const outcome = await Promise.race([
      smtp.reached(EMAILS).then(() => 'ok'),
      new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), DELIVERY_LIMIT_MS).unref()),
    ]);
    const deliverSeconds = (performance.now() - deliverStarted) / 1000;
    const delivered = smtp.received();
    await closeWorkers(workers);
    if (outcome !== 'ok')
      progress(`only ${delivered} of ${EMAILS} delivered within ${DELIVERY_LIMIT_MS / 1000} s`);
    const sent = await db
      .collection('notification_deliveries')
      .countDocuments({ key: /^bench-handoff-/, status: 'sent' });
    const deliveredPerSecond = delivered / deliverSeconds;

    // ------------------------------------------------------------------ the transport alone (ceiling)
    const before = smtp.received();
    const transport = smtpTransport(smtp.url);
    const rawStarted = performance.now();
    await pool(
      Array.from({ length: EMAILS }, (_, i) => i),
      config.NOTIFY_WORKER_CONCURRENCY,
      (i) =>
        transport.sendMail({
          from: config.MAIL_FROM,
          to: `raw${i}@example.edu`,
          subject: 'Chatref bench',
          text: 'A plain message of a typical notification size.\n'.repeat(10),
          html: `<p>${'A plain message of a typical notification size. '.repeat(10)}</p>`,
        }),
    );
    await smtp.reached(before + EMAILS);
    const rawPerSecond = EMAILS / ((performance.now() - rawStarted) / 1000);
    closeSmtpTransports();

    await queues.get('notify').obliterate({ force: true });
    return {
      cores: os.cpus().length,
      node: process.version,
      earlierDeliveries: HISTORY,
      emails: EMAILS,
      workerConcurrency: config.NOTIFY_WORKER_CONCURRENCY,
      requestsPerSecond: Math.round(EMAILS / requestSeconds),
      deliveredPerSecond: `${Math.round(deliveredPerSecond)} (target ≥ ${TARGET_PER_SECOND}: ${deliveredPerSecond >= TARGET_PER_SECOND ? 'meets' : 'MISSES'})`,
      deliveredInSeconds: round(deliverSeconds),
      deliveriesMarkedSent: sent,
      transportAlonePerSecond: Math.round(rawPerSecond),
      updateByIdMs,
      conditionalUpdateMs,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    closeSmtpTransports();
    await stack.close();
    await smtp.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await benchNotify();
  for (const [key, value] of Object.entries(figures)) console.log(`  ${key.padEnd(28)} ${value}`);
  process.exit(0);
}
