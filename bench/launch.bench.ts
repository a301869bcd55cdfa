/**
 * LTI launch performance: login initiation + id-token post against the tool running as its own web
 * process(es), with a worker thread playing the LMS (it signs real id tokens with the development LMS
 * key). Standalone: `npx tsx bench/launch.bench.ts`.
 */
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import mongoose from 'mongoose';
import { freePort } from '../src/app/embedded-services.js';
import { cpuMeter, percentile, startBenchStack } from './support.js';

const LAUNCHES = Number(process.env.BENCH_LAUNCHES ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

export async function benchLaunch(): Promise<Record<string, number | string>> {
  const stack = await startBenchStack('launch');
  const { publicUrl, loginQuery } = stack;
  try {
    // A second web process listens on another port with the same PUBLIC_URL, as behind a load balancer.
    const web = await stack.startProcess('web');
    const servers = [web.url];
    const keys = await stack.lmsKey();
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
    const meter = cpuMeter({ web: web.child.pid, ...stack.servicePids });
    const { serverMs, failures, seconds } = await runPlatform(LAUNCHES, CONCURRENCY, 1000);
    // "self" is the simulated LMS (signing id tokens, HTTP client); the rest is the product and its stores.
    const cpuMsPerLaunch = meter.perOperation(LAUNCHES);
    const sequential = await runPlatform(200, 1, 5000);
    servers.push((await stack.startProcess('web', { port: await freePort() })).url);
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
      cpuMsPerLaunch: Object.entries(cpuMsPerLaunch)
        .map(([name, ms]) => `${name === 'self' ? 'lms' : name} ${ms}`)
        .join(', '),
      twoWebProcessesLaunchesPerSecond: Number((LAUNCHES / twoProcesses.seconds).toFixed(0)),
      twoWebProcessesP95Ms: Number(percentile(twoProcesses.serverMs, 95).toFixed(1)),
      rawFerretdbInsertsPerSecond: Number(rawInsertsPerSecond.toFixed(0)),
      targets: 'p95 ≤ 30 ms server time, ≥ 200 launches/s',
    };
  } finally {
    await stack.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await benchLaunch());
  process.exit(0);
}
