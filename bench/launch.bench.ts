/**
 * LTI launch performance: login initiation + id-token post against a platform on loopback (the
 * development LMS's key signs the tokens in a worker thread, as a separate LMS would). Standalone:
 * `npx tsx bench/launch.bench.ts`.
 */

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import mongoose from 'mongoose';
import { freePort, startEmbeddedServices } from '../src/app/embedded-services.js';
import { loadConfig } from '../src/config/env.js';
import { DEV_LMS_CLIENT_ID, DEV_LMS_DEPLOYMENT_ID } from '../src/devlms/index.js';
import { Lifecycle } from '../src/lib/lifecycle.js';
import { createLogger } from '../src/lib/logger.js';
import { waitUntilReachable } from '../src/lib/retry.js';

const LAUNCHES = Number(process.env.BENCH_LAUNCHES ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export async function benchLaunch(): Promise<Record<string, number | string>> {
  const logger = createLogger({ level: 'silent' });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chatref-bench-launch-'));
  const services = await startEmbeddedServices({
    dataDir,
    logger,
    mongo: true,
    redis: true,
    database: 'bench_launch',
  });
  const port = await freePort();
  const publicUrl = `http://localhost:${port}`;
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    PORT: String(port),
    PUBLIC_URL: publicUrl,
    MONGODB_URL: services.mongoUrl,
    REDIS_URL: services.redisUrl,
    LOG_LEVEL: 'silent',
  });
  const lifecycle = new Lifecycle(logger, 10_000);
  lifecycle.onShutdown('services', () => services.stop());
  try {
    // The tool runs as its own web process(es), as deployed; this process plays the LMS. A second web
    // process listens on another port with the same PUBLIC_URL, as behind a load balancer.
    const startWebProcess = async (listenPort: number) => {
      const web = spawn(
        process.execPath,
        [
          // BENCH_WEB_PROFILE=<dir> writes a CPU profile of the web process there.
          ...(process.env.BENCH_WEB_PROFILE
            ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_WEB_PROFILE}`]
            : []),
          '--import',
          'tsx',
          path.resolve(import.meta.dirname, '../src/bin/web.ts'),
        ],
        {
          env: {
            ...process.env,
            NODE_ENV: 'test',
            PORT: String(listenPort),
            PUBLIC_URL: publicUrl,
            MONGODB_URL: services.mongoUrl,
            REDIS_URL: services.redisUrl,
            LOG_LEVEL: 'silent',
          },
          stdio: 'ignore',
        },
      );
      lifecycle.onShutdown(`web process ${listenPort}`, async () => {
        web.kill('SIGTERM');
        await once(web, 'exit');
      });
      await waitUntilReachable(
        async () => {
          const response = await fetch(`http://localhost:${listenPort}/readyz`);
          if (!response.ok) throw new Error(`readyz ${response.status}`);
        },
        { logger, what: 'web process', timeoutMs: 60_000, initialDelayMs: 200, maxDelayMs: 500 },
      );
      return `http://localhost:${listenPort}`;
    };
    const servers = [await startWebProcess(port)];
    await mongoose.connect(config.MONGODB_URL ?? '');
    lifecycle.onShutdown('bench mongo', () => mongoose.disconnect());
    const issuer = `${publicUrl}/dev/lms`;
    const loginQuery = new URLSearchParams({
      iss: issuer,
      client_id: DEV_LMS_CLIENT_ID,
      lti_deployment_id: DEV_LMS_DEPLOYMENT_ID,
      login_hint: 'bench',
      target_link_uri: `${publicUrl}/lti/launch`,
    }).toString();

    // The bench plays the LMS, so it reads the development LMS's stored private key directly
    // (asking for its JWKS first makes the web process create the key).
    await fetch(`${publicUrl}/dev/lms/jwks`);
    const stored = await mongoose.connection.db?.collection('devlms_keys').findOne({});
    const keys = { kid: String(stored?.kid), privateJwk: stored?.privateJwk as Record<string, unknown> };
    const { privateJwk } = keys;
    const runPlatform = (launches: number, concurrency: number, offset: number, targets = [publicUrl]) =>
      new Promise<{ serverMs: number[]; failures: number; seconds: number }>((resolve, reject) => {
        // tsx's loader does not reach worker threads by itself: register it, then load the TypeScript entry.
        const entry = new URL('./launch-platform.worker.ts', import.meta.url).href;
        const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
        const worker = new Worker(bootstrap, {
          eval: true,
          workerData: {
            publicUrl,
            servers: targets,
            loginQuery,
            privateJwk,
            kid: keys.kid,
            launches,
            concurrency,
            offset,
          },
        });
        worker.once('message', resolve);
        worker.once('error', reject);
      });

    // Warm up caches (JWKS, platform, JIT) before measuring.
    await runPlatform(30, 2, 0);
    const { serverMs, failures, seconds } = await runPlatform(LAUNCHES, CONCURRENCY, 1000);
    const sequential = await runPlatform(200, 1, 5000);
    servers.push(await startWebProcess(await freePort()));
    const twoProcesses = await runPlatform(LAUNCHES, CONCURRENCY, 20_000, servers);

    // The database's own ceiling on this machine: launch-sized inserts on the raw driver, same concurrency.
    const raw = mongoose.connection.db?.collection('bench_raw_inserts');
    let inserted = 0;
    const rawStarted = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (inserted < LAUNCHES) {
          inserted += 1;
          await raw?.insertOne({
            tenantId: 'bench',
            role: 'learner',
            custom: {},
            payload: 'x'.repeat(600),
            createdAt: new Date(),
          });
        }
      }),
    );
    const rawInsertsPerSecond = LAUNCHES / ((performance.now() - rawStarted) / 1000);
    return {
      cores: os.cpus().length,
      launches: LAUNCHES,
      concurrency: CONCURRENCY,
      failures: failures + sequential.failures + twoProcesses.failures,
      launchServerP50Ms: Number(percentile(sequential.serverMs, 50).toFixed(1)),
      launchServerP95Ms: Number(percentile(sequential.serverMs, 95).toFixed(1)),
      launchesPerSecond: Number((LAUNCHES / seconds).toFixed(0)),
      underLoadP95Ms: Number(percentile(serverMs, 95).toFixed(1)),
      twoWebProcessesLaunchesPerSecond: Number((LAUNCHES / twoProcesses.seconds).toFixed(0)),
      twoWebProcessesP95Ms: Number(percentile(twoProcesses.serverMs, 95).toFixed(1)),
      rawFerretdbInsertsPerSecond: Number(rawInsertsPerSecond.toFixed(0)),
      targets: 'p95 ≤ 30 ms server time, ≥ 200 launches/s',
    };
  } finally {
    await lifecycle.shutdown('bench done');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await benchLaunch());
  process.exit(0);
}
