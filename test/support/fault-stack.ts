import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { type EmbeddedServices, freePort, startEmbeddedServices } from '../../src/app/embedded-services.js';
import type { QueueName } from '../../src/jobs/queues.js';
import type { TestApp } from './app.js';
import { eventually } from './eventually.js';
import { launch } from './lms-client.js';
import { type RunningProcess, runEntry } from './processes.js';
import { quietLogger } from './services.js';

/**
 * The product on servers of its own, for fault tests: a private FerretDB and a private redis-server (AOF on,
 * as production runs it) on fixed ports, so either can be stopped and started again where the processes
 * expect it, and web and worker processes started from the product's entries (`src/bin/web.ts`,
 * `src/bin/worker.ts`) as child processes. Nothing here touches the services other tests share.
 */
export interface FaultStack {
  mongoUrl: string;
  redisUrl: string;
  prefix: string;
  /** The environment of a product process on this stack (LOG_LEVEL info: tests wait for its log lines). */
  env(overrides?: Record<string, string>): Promise<NodeJS.ProcessEnv>;
  /** Starts a web process on a port of its own and waits until it listens. */
  startWeb(overrides?: Record<string, string>): Promise<WebProcess>;
  /** Starts a worker process and waits until its workers run. */
  startWorker(overrides?: Record<string, string>): Promise<RunningProcess>;
  stopMongo(): Promise<void>;
  startMongo(): Promise<void>;
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
  /** The test's own connection to the private database (not the shared mongoose one). */
  db(): mongoose.mongo.Db;
  /** A BullMQ queue on the private Redis, to watch job states. */
  queue(name: QueueName): Queue;
  /** Stops every process started here, then the servers, and removes their data. */
  stop(): Promise<void>;
}

export interface WebProcess {
  process: RunningProcess;
  /** PUBLIC_URL (http://localhost:<port>), what launches and API calls use. */
  url: string;
  /** What the people helpers (`launchSession`, `api`) need of an app. */
  app: TestApp;
}

export async function startFaultStack(): Promise<FaultStack> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'chatref-faults-'));
  const database = `chatref_faults_${randomBytes(4).toString('hex')}`;
  const prefix = `faults-${randomBytes(4).toString('hex')}`;
  const mongoPort = await freePort();
  const redisPort = await freePort();
  let mongo: EmbeddedServices | undefined;
  let redis: EmbeddedServices | undefined;
  const startMongo = async () => {
    mongo = await startEmbeddedServices({
      dataDir,
      logger: quietLogger,
      mongo: true,
      redis: false,
      mongoPort,
      database,
    });
  };
  const startRedis = async () => {
    redis = await startEmbeddedServices({
      dataDir,
      logger: quietLogger,
      mongo: false,
      redis: true,
      redisPort,
      persistRedis: true,
    });
  };
  await Promise.all([startMongo(), startRedis()]);
  const mongoUrl = `mongodb://127.0.0.1:${mongoPort}/${database}`;
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const client = new mongoose.mongo.MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5000 });
  const redisClient = new Redis(redisUrl, { maxRetriesPerRequest: null });
  redisClient.on('error', () => undefined);
  const queues = new Map<QueueName, Queue>();
  const processes: RunningProcess[] = [];

  const env = async (overrides: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> => ({
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    MONGODB_URL: mongoUrl,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    ...overrides,
  });

  return {
    mongoUrl,
    redisUrl,
    prefix,
    env,
    async startWeb(overrides = {}) {
      const port = String(await freePort());
      const url = `http://localhost:${port}`;
      const web = runEntry('src/bin/web.ts', await env({ PORT: port, PUBLIC_URL: url, ...overrides }));
      processes.push(web);
      await web.waitFor(/web listening/, 60_000);
      return { process: web, url, app: { url, otherSiteUrl: url } as TestApp };
    },
    async startWorker(overrides = {}) {
      const worker = runEntry('src/bin/worker.ts', await env(overrides));
      processes.push(worker);
      await worker.waitFor(/workers started/, 60_000);
      return worker;
    },
    async stopMongo() {
      await mongo?.stop();
      mongo = undefined;
    },
    startMongo,
    async stopRedis() {
      await redis?.stop();
      redis = undefined;
    },
    startRedis,
    db: () => client.db(database),
    queue(name) {
      let queue = queues.get(name);
      if (!queue) {
        queue = new Queue(name, { connection: redisClient, prefix });
        queue.on('error', () => undefined); // Redis stopped on purpose
        queues.set(name, queue);
      }
      return queue;
    },
    async stop() {
      await Promise.all(processes.map((running) => running.stop('SIGKILL')));
      // FAULTS_LOG_DIR=<folder> keeps what each process printed, to read after a failure.
      if (process.env.FAULTS_LOG_DIR)
        for (const [index, running] of processes.entries()) {
          const file = `${prefix}-${index}-${running.child.pid}.log`;
          writeFileSync(path.join(process.env.FAULTS_LOG_DIR, file), running.output());
        }
      await Promise.all([...queues.values()].map((queue) => queue.close().catch(() => undefined)));
      redisClient.disconnect();
      await client.close(true).catch(() => undefined);
      await mongo?.stop();
      await redis?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits until `url` answers `status` (a readiness flip, a server back after a restart). */
export async function untilStatus(
  url: string,
  status: number,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  await eventually(
    async () => {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
        await response.arrayBuffer();
        return response.status === status;
      } catch {
        return false;
      }
    },
    what,
    timeoutMs,
  );
}

/**
 * An honest launch through the web process's development LMS (it signs the id token; the test process
 * needs no database of its own): the development LMS's person in that role, and their session token.
 */
export async function launchThrough(
  web: WebProcess,
  role: 'learner' | 'admin' = 'learner',
): Promise<{ token: string }> {
  const { response, sessionToken } = await launch(web.url, { role });
  if (response.status !== 303 || !sessionToken) throw new Error(`the launch answered ${response.status}`);
  return { token: sessionToken };
}
