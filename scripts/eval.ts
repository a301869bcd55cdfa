/**
 * Answer quality over the labelled questions, through the real pipeline: the documents are uploaded
 * into a scratch tenant (stored in MongoDB, ingested by the BullMQ job in an in-process worker),
 * loaded by the index registry and asked through `answerQuestion` (model mode when OPENAI_API_KEY is
 * set, extractive otherwise). The scratch tenant is dropped at the end.
 *
 *   npm run eval -- [--docs FOLDER] [--questions FILE] [--report FILE] [--verbose] [--memory]
 *                   [--without-vocabulary]
 *
 * Defaults: the repository's own samples/knowledge (the articles) and samples/eval/questions.jsonl, so a
 * fresh clone evaluates with nothing beside it; give --docs/--questions to evaluate on other files
 * (e.g. --questions samples/eval/questions-hard.jsonl).
 * Without MONGODB_URL/REDIS_URL, private FerretDB and Redis are started for the run. `--memory` skips
 * storage and the queue (in-memory engine only), for quick tuning runs; with it, `--without-vocabulary`
 * turns the LMS synonym vocabulary off (an ablation).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Types } from 'mongoose';
import { PROJECT_ROOT, startEmbeddedServices } from '../src/app/embedded-services.js';
import { openRuntime } from '../src/app/runtime.js';
import { createAssistant } from '../src/assistant/index.js';
import { ConfigError, loadConfig } from '../src/config/env.js';
import { closeWorkers, startWorkers } from '../src/jobs/workers.js';
import {
  ATTRIBUTION_FILE,
  configureKnowledge,
  type EvalAnswer,
  type EvalQuestion,
  type EvalSummary,
  KnowledgeChunkModel,
  KnowledgeEngine,
  KnowledgeIndexRegistry,
  KnowledgeService,
  KnowledgeSourceModel,
  KnowledgeStateModel,
  KnowledgeUploadModel,
  readDocumentFolder,
  readQuestions,
  runEvaluation,
  SAMPLE_KNOWLEDGE_DIR,
  SUPPORTED_EXTENSIONS,
  splitHalves,
  summarise,
} from '../src/knowledge/index.js';
import { Lifecycle } from '../src/lib/lifecycle.js';
import { createLogger } from '../src/lib/logger.js';
import { createRedis } from '../src/redis/connection.js';

const { values } = parseArgs({
  options: {
    docs: { type: 'string' },
    questions: { type: 'string' },
    report: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    memory: { type: 'boolean', default: false },
    'without-vocabulary': { type: 'boolean', default: false },
  },
});
const docsDir = path.resolve(values.docs ?? SAMPLE_KNOWLEDGE_DIR);
const questionsFile = path.resolve(
  values.questions ?? path.join(PROJECT_ROOT, 'samples', 'eval', 'questions.jsonl'),
);

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) console.error(`eval: configuration error: ${problem}`);
    process.exit(1);
  }
  throw error;
}
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'eval' });
const questions = await readQuestions(questionsFile);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const line = (label: string, s: EvalSummary) =>
  `${label.padEnd(8)} top1 ${pct(s.top1HitRate).padStart(6)}  top3 ${pct(s.top3HitRate).padStart(6)}  answered ${pct(
    s.answeredRate,
  ).padStart(
    6,
  )}  not-covered ${pct(s.notCoveredRate).padStart(6)}  (answerable ${s.answerable}, out_of_scope ${
    s.outOfScope
  })`;

async function report(
  ask: (q: EvalQuestion) => Promise<EvalAnswer> | EvalAnswer,
  mode: string,
  loaded: string,
): Promise<void> {
  const { summary, outcomes } = await runEvaluation({ questions, ask, mode });
  const halves = splitHalves(outcomes);
  console.log(loaded);
  console.log(
    `questions: ${Object.entries(summary.counts)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );
  console.log(line('all', summary));
  console.log(line('half A', summarise(halves.a)));
  console.log(line('half B', summarise(halves.b)));
  console.log(`latency  p50 ${summary.p50Ms} ms  p95 ${summary.p95Ms} ms`);
  console.log(`mode     ${summary.mode}`);
  if (values.verbose) {
    for (const o of outcomes) {
      if (o.kind === 'answerable' && o.hitRank !== 1)
        console.log(`  miss@1 ${o.id} rank=${o.hitRank} ${o.topSources.join(', ')}`);
      if (o.kind === 'answerable' && o.notCovered) console.log(`  unanswered ${o.id}`);
      if (o.kind === 'out_of_scope' && !o.notCovered)
        console.log(`  answered out-of-scope ${o.id} ${o.topSources[0]}`);
    }
  }
  if (values.report) {
    const { counts: _counts, ...rest } = summary;
    await writeFile(path.resolve(values.report), `${JSON.stringify(rest, null, 2)}\n`);
  }
}

if (values.memory) {
  const engine = new KnowledgeEngine(values['without-vocabulary'] ? { vocabulary: { weight: 0 } } : {});
  const docs = await readDocumentFolder(docsDir);
  const started = performance.now();
  await engine.index('eval', docs);
  await report(
    (q) => engine.ask('eval', q.question, { locale: 'en' }),
    'extractive',
    `docs: ${docs.length} (${engine.size('eval')} chunks, in memory, indexed in ${(performance.now() - started).toFixed(0)} ms)`,
  );
  process.exit(0);
}

const lifecycle = new Lifecycle(logger, config.SHUTDOWN_TIMEOUT_MS);
let scratchDir: string | undefined;
let mongoUrl = config.MONGODB_URL;
let redisUrl = config.REDIS_URL;
if (!mongoUrl || !redisUrl) {
  scratchDir = mkdtempSync(path.join(tmpdir(), 'chatref-eval-'));
  const embedded = await startEmbeddedServices({
    dataDir: scratchDir,
    logger,
    mongo: !mongoUrl,
    redis: !redisUrl,
    database: 'chatref_eval',
  });
  mongoUrl ??= embedded.mongoUrl;
  redisUrl ??= embedded.redisUrl;
  lifecycle.onShutdown('embedded services', () => embedded.stop());
}
const runtime = await openRuntime({ config, logger, lifecycle, mongoUrl: mongoUrl!, redisUrl: redisUrl! });
configureKnowledge({ config, redis: runtime.redis, logger });
const workerConnection = createRedis(runtime.redisUrl, 'worker', logger);
lifecycle.onShutdown('worker redis', async () => {
  await workerConnection.quit().catch(() => workerConnection.disconnect());
});
const workers = startWorkers({
  connection: workerConnection,
  prefix: config.REDIS_PREFIX,
  concurrency: config.WORKER_CONCURRENCY,
  queueConcurrency: { knowledge: config.KNOWLEDGE_WORKER_CONCURRENCY },
  logger,
});
lifecycle.onShutdown('workers', () => closeWorkers(workers));

const tenant = new Types.ObjectId();
const tenantId = tenant.toHexString();
const service = new KnowledgeService({ queues: runtime.queues, config, redis: runtime.redis, logger });
const registry = new KnowledgeIndexRegistry({ prefix: config.REDIS_PREFIX, logger });
try {
  const names = (await readdir(docsDir))
    .filter((n) => (SUPPORTED_EXTENSIONS as readonly string[]).includes(path.extname(n).toLowerCase()))
    .filter((n) => n !== ATTRIBUTION_FILE)
    .sort();
  const started = performance.now();
  for (const name of names) {
    await service.addFile({ tenantId, filename: name, bytes: await readFile(path.join(docsDir, name)) });
  }
  for (;;) {
    const sources = await service.listSources(tenantId);
    const done = sources.filter((s) => s.status === 'ready' || s.status === 'failed');
    if (done.length === names.length) {
      for (const s of done.filter((d) => d.status === 'failed'))
        console.log(`  failed ${s.path}: ${s.error}`);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const ingestMs = performance.now() - started;
  await registry.ensure(tenantId);
  const assistant = createAssistant({ registry, config, logger });
  const mode = config.OPENAI_API_KEY ? 'model' : 'extractive';
  await report(
    async (q) => {
      const result = await assistant.answerQuestion({ tenantId, question: q.question, locale: 'en' });
      return { sources: result.sources, notCovered: result.notCovered };
    },
    mode,
    `docs: ${names.length} (${registry.size(tenantId)} chunks, ingested through MongoDB + the queue in ${(
      ingestMs / 1000
    ).toFixed(1)} s)`,
  );
} finally {
  await Promise.all([
    KnowledgeSourceModel.deleteMany({ tenantId: tenant }),
    KnowledgeChunkModel.deleteMany({ tenantId: tenant }),
    KnowledgeUploadModel.deleteMany({ tenantId: tenant }),
    KnowledgeStateModel.deleteMany({ tenantId: tenant }),
  ]);
  await registry.close();
  await lifecycle.shutdown('evaluation finished');
  if (scratchDir) rmSync(scratchDir, { recursive: true, force: true });
}
process.exit(0);
