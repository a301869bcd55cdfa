/**
 * Knowledge ingestion through the product's real path, end to end: what `npm run kb -- add <folder>` and
 * the Knowledge page's upload do. This process stores each Markdown page with `KnowledgeService.addFile`
 * (one BullMQ `knowledge.ingest` job per file), a separate worker process ingests them, and the clock
 * stops when every page is searchable in a web process's in-memory index (a `KnowledgeIndexRegistry`
 * fed by the change messages, as in `npm run start:web`).
 *
 * Env: BENCH_DOCS (folder of .md pages; default samples/knowledge), BENCH_INGEST_COPIES (the folder
 * is added this many times under different sub-folders, default 3), BENCH_WORKER_PROFILE=<dir> (CPU
 * profile of the worker process).
 */
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { Types } from 'mongoose';
import { Queues } from '../src/jobs/queues.js';
import {
  ATTRIBUTION_FILE,
  documentToRecords,
  KnowledgeIndexRegistry,
  KnowledgeService,
  KnowledgeSourceModel,
  SAMPLE_KNOWLEDGE_DIR,
} from '../src/knowledge/index.js';
import { connectRedis } from '../src/redis/connection.js';
import { cpuMeter, startBenchStack } from './support.js';

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readFolder(): Promise<{ name: string; bytes: Buffer }[]> {
  const dir = resolve(process.env.BENCH_DOCS ?? SAMPLE_KNOWLEDGE_DIR);
  const names = (await readdir(dir)).filter((n) => n.endsWith('.md') && n !== ATTRIBUTION_FILE).sort();
  return Promise.all(names.map(async (name) => ({ name, bytes: await readFile(join(dir, name)) })));
}

/** Runs the end-to-end ingestion bench and returns its figures. */
export async function benchIngestion(): Promise<Record<string, number | string>> {
  const folder = await readFolder();
  const copies = Math.max(1, Number(process.env.BENCH_INGEST_COPIES ?? 3));
  const profile = process.env.BENCH_WORKER_PROFILE;
  const stack = await startBenchStack(
    'ingest',
    profile ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profile}` } : {},
  );
  const { config, logger } = stack;
  const redis = await connectRedis(config.REDIS_URL ?? '', 'producer', logger);
  const queues = new Queues(redis, config.REDIS_PREFIX);
  const registry = new KnowledgeIndexRegistry({ redis, prefix: config.REDIS_PREFIX, logger });
  try {
    const worker = await stack.startProcess('worker');
    // The clock starts with the worker consuming, as with a running `npm start`.
    while ((await queues.get('knowledge').getWorkersCount()) === 0) await sleep(100);
    await sleep(1000);
    await registry.start();
    const service = new KnowledgeService({ queues, config, redis, logger });
    const tenantId = String(new Types.ObjectId());
    // A web process that already serves this tenant (so it follows changes as they come).
    await registry.ensure(tenantId);

    const pages = copies * folder.length;
    const meter = cpuMeter({ worker: worker.child.pid, ...stack.servicePids });
    const started = performance.now();
    // As `npm run kb -- add <folder>` does: batches of 100 files.
    const files = Array.from({ length: copies }, (_, c) =>
      folder.map((doc) => ({ filename: `copy-${c}/${doc.name}`, bytes: doc.bytes })),
    ).flat();
    for (let i = 0; i < files.length; i += 100) {
      await service.addFiles({ tenantId, files: files.slice(i, i + 100) });
    }
    const queuedMs = performance.now() - started;

    // Searchable: the web process's index holds every passage (counted beforehand by the same
    // chunker). Watched in memory, so the bench itself adds no database load while it waits.
    let expected = 0;
    for (const doc of folder) {
      const records = await documentToRecords({
        sourceId: 'count',
        content: doc.bytes.toString('utf8'),
        format: 'markdown',
        path: doc.name,
      });
      expected += copies * records.length;
    }
    while (registry.size(tenantId) < expected) {
      if (performance.now() - started > 600_000) {
        throw new Error(`only ${registry.size(tenantId)}/${expected} passages searchable`);
      }
      await sleep(10);
    }
    const searchableMs = performance.now() - started;
    // Then, as the CLI reports it: every source ready.
    const tenant = new Types.ObjectId(tenantId);
    let readyMs = 0;
    let rows: { status: string; progress: number; chunkCount: number }[] = [];
    for (;;) {
      rows = await KnowledgeSourceModel.find(
        { tenantId: tenant },
        { status: 1, progress: 1, chunkCount: 1 },
      ).lean();
      if (rows.every((r) => r.status === 'failed' || (r.status === 'ready' && r.progress >= 100))) {
        readyMs = performance.now() - started;
        break;
      }
      if (performance.now() - started > 600_000) throw new Error('sources never became ready');
      await sleep(100);
    }
    const chunks = rows.reduce((sum, r) => sum + (r.status === 'ready' ? r.chunkCount : 0), 0);
    const failed = rows.filter((r) => r.status === 'failed').length;
    const cpu = meter.perOperation(pages);
    const probe = await registry.ask(tenantId, 'How do I reset my password?');
    return {
      cpus: os.cpus().length,
      pages,
      chunks,
      failed,
      workerConcurrency: config.KNOWLEDGE_WORKER_CONCURRENCY,
      uploadsStoredAndQueuedMs: round(queuedMs, 0),
      allSearchableMs: round(searchableMs, 0),
      allReadyMs: round(readyMs, 0),
      endToEndPagesPerSecond: round(pages / (Math.max(searchableMs, readyMs) / 1000)),
      'CPU ms/page: CLI+web index, worker, FerretDB, Redis': Object.values(cpu).join(' / '),
      probeTopSource: probe.sources[0]?.path ?? 'none',
    };
  } finally {
    await registry.close();
    await queues.close();
    await redis.quit().catch(() => redis.disconnect());
    await stack.close();
  }
}
