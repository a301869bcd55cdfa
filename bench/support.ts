/**
 * What the benches share: the product as separate processes on embedded FerretDB and Redis (as deployed,
 * with this process playing the LMS), percentiles, a bounded pool of work, and the development LMS's signing
 * key.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { request } from 'undici';
import { freePort, startEmbeddedServices } from '../src/app/embedded-services.js';
import { type Config, loadConfig } from '../src/config/env.js';
import { logSlowCommands } from '../src/db/mongo.js';
import { DEV_LMS_CLIENT_ID, DEV_LMS_DEPLOYMENT_ID } from '../src/devlms/index.js';
import { Lifecycle } from '../src/lib/lifecycle.js';
import { createLogger, type Logger } from '../src/lib/logger.js';
import { waitUntilReachable } from '../src/lib/retry.js';

/** The p-th percentile (nearest rank) of some timings. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

/** A number rounded to `digits` decimals, for printing. */
export const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so runs compare. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function pool<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

/** CPU time (user + system) a process has used so far, in ms; Linux /proc, clock ticks of 10 ms. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields overall.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Measures how much CPU each named process spends during a phase ("self" is this process, all threads).
 * Where a 2-core machine runs out, this shows which process to make cheaper.
 */
export function cpuMeter(pids: Record<string, number | undefined>) {
  const named = Object.entries(pids).filter((entry): entry is [string, number] => entry[1] !== undefined);
  const read = () => ({
    self: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
    ...Object.fromEntries(named.map(([name, pid]) => [name, processCpuMs(pid)])),
  });
  const start: Record<string, number> = read();
  const excluded: Record<string, number> = {};
  return {
    /** Runs `work` without counting its CPU (e.g. the step a user takes before the one measured). */
    async without<T>(work: () => Promise<T>): Promise<T> {
      const before: Record<string, number> = read();
      try {
        return await work();
      } finally {
        const after: Record<string, number> = read();
        for (const name of Object.keys(before))
          excluded[name] = (excluded[name] ?? 0) + (after[name] ?? 0) - (before[name] ?? 0);
      }
    },
    /** CPU ms per operation of each process since the meter started. */
    perOperation(operations: number): Record<string, number> {
      const end: Record<string, number> = read();
      return Object.fromEntries(
        Object.keys(start).map((name) => [
          name,
          Number((((end[name] ?? 0) - (start[name] ?? 0) - (excluded[name] ?? 0)) / operations).toFixed(2)),
        ]),
      );
    },
  };
}

/**
 * The client benches time requests with: undici's request() over kept-alive connections. Why not fetch:
 * on our 2-core machines fetch adds about 0.5 ms at p50 and 1.3 ms at p95 to every request (measured
 * against a server that answers at once), which a latency figure should not include. Benches print what
 * a request costs by itself (`/healthz`) beside what they time.
 */
export function benchClient(baseUrl: string, token?: string) {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const ok = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const response = await request(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.body.text();
    if (response.statusCode < 200 || response.statusCode >= 300)
      throw new Error(`${method} ${path}: ${response.statusCode} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  return {
    get: <T = unknown>(path: string) => ok<T>('GET', path),
    post: <T = unknown>(path: string, body: unknown = {}) => ok<T>('POST', path, body),
  };
}

export interface BenchStack {
  logger: Logger;
  config: Config;
  /** PUBLIC_URL of the tool (every process shares it, as behind a load balancer). */
  publicUrl: string;
  env: NodeJS.ProcessEnv;
  /** Process ids of the embedded FerretDB and Redis. */
  servicePids: { mongo?: number; redis?: number };
  /** Starts `src/bin/<entry>.ts` as its own process; for `web`, on `port` and once /readyz answers. */
  startProcess(
    entry: 'web' | 'worker',
    options?: { port?: number },
  ): Promise<{ child: ChildProcess; url: string }>;
  /** The development LMS's signing key, so this process can sign id tokens as the LMS. */
  lmsKey(): Promise<{ kid: string; privateJwk: Record<string, unknown> }>;
  /** The query of an OIDC login initiation from the development LMS. */
  loginQuery: string;
  close(): Promise<void>;
}

/** Embedded FerretDB + Redis, a config for them, and a way to start the tool's processes against them. */
export async function startBenchStack(
  name: string,
  overrides: Record<string, string> = {},
): Promise<BenchStack> {
  const logger = createLogger({ level: 'silent' });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `chatref-bench-${name}-`));
  const services = await startEmbeddedServices({
    dataDir,
    logger,
    mongo: true,
    redis: true,
    database: `bench_${name}`,
  });
  const port = await freePort();
  const publicUrl = `http://localhost:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    PORT: String(port),
    PUBLIC_URL: publicUrl,
    MONGODB_URL: services.mongoUrl,
    REDIS_URL: services.redisUrl,
    // BENCH_LOG_DIR=<dir> keeps each process's log there (e.g. with MONGODB_SLOW_MS=5 to see slow commands).
    LOG_LEVEL: process.env.BENCH_LOG_DIR ? 'warn' : 'silent',
    ...overrides,
  };
  delete env.OPENAI_API_KEY; // benches measure the extractive path unless they say otherwise
  const config = loadConfig(env);
  const lifecycle = new Lifecycle(logger, 15_000);
  lifecycle.onShutdown('services', async () => {
    await services.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  // The web process builds the indexes (only those the server can use).
  // BENCH_SLOW_MS=<ms> prints this process's database commands slower than that (command, collection, filter fields).
  const slowMs = Number(process.env.BENCH_SLOW_MS ?? 0);
  await mongoose.connect(config.MONGODB_URL ?? '', {
    autoIndex: false,
    ...(slowMs > 0 ? { monitorCommands: true } : {}),
  });
  if (slowMs > 0) logSlowCommands(mongoose.connection.getClient(), createLogger({ level: 'warn' }), slowMs);
  lifecycle.onShutdown('bench mongo', () => mongoose.disconnect());

  const logFile = (entry: string, listenPort: number) =>
    openSync(path.join(process.env.BENCH_LOG_DIR ?? '.', `${name}-${entry}-${listenPort}.log`), 'a');
  const startProcess: BenchStack['startProcess'] = async (entry, options = {}) => {
    const listenPort = options.port ?? port;
    // Through bash so a web process may hold more descriptors than the default limit (idle connections).
    const command = ['ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)";', 'exec "$0" "$@"'].join(' ');
    const args = [
      // BENCH_WEB_PROFILE=<dir> writes a CPU profile of each web process there.
      ...(entry === 'web' && process.env.BENCH_WEB_PROFILE
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_WEB_PROFILE}`]
        : []),
      '--import',
      'tsx',
      path.resolve(import.meta.dirname, `../src/bin/${entry}.ts`),
    ];
    const child = spawn('bash', ['-c', command, process.execPath, ...args], {
      env: { ...env, PORT: String(listenPort) },
      stdio: process.env.BENCH_LOG_DIR
        ? ['ignore', logFile(entry, listenPort), logFile(entry, listenPort)]
        : 'ignore',
    });
    lifecycle.onShutdown(`${entry} process ${listenPort}`, async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    });
    const url = `http://localhost:${listenPort}`;
    if (entry === 'web') {
      await waitUntilReachable(
        async () => {
          const response = await fetch(`${url}/readyz`);
          if (!response.ok) throw new Error(`readyz ${response.status}`);
        },
        { logger, what: 'web process', timeoutMs: 60_000, initialDelayMs: 200, maxDelayMs: 500 },
      );
    }
    return { child, url };
  };

  return {
    logger,
    config,
    publicUrl,
    env,
    servicePids: services.pids,
    startProcess,
    async lmsKey() {
      // Asking for its JWKS makes the web process create the development LMS key.
      await fetch(`${publicUrl}/dev/lms/jwks`);
      const stored = await mongoose.connection.db?.collection('devlms_keys').findOne({});
      return { kid: String(stored?.kid), privateJwk: stored?.privateJwk as Record<string, unknown> };
    },
    loginQuery: new URLSearchParams({
      iss: `${publicUrl}/dev/lms`,
      client_id: DEV_LMS_CLIENT_ID,
      lti_deployment_id: DEV_LMS_DEPLOYMENT_ID,
      login_hint: 'bench',
      target_link_uri: `${publicUrl}/lti/launch`,
    }).toString(),
    close: () => lifecycle.shutdown('bench done'),
  };
}
