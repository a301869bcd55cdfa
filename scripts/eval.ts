/**
 * Answer quality over the labelled questions, through the real pipeline: the documents are uploaded
 * into a scratch tenant (stored in MongoDB, ingested by the BullMQ job in an in-process worker),
 * loaded by the index registry and asked through `answerQuestion` (model mode when OPENAI_API_KEY is
 * set, extractive otherwise). The scratch tenant is dropped at the end.
 *
 *   npm run eval -- [--docs FOLDER] [--questions FILE[,FILE…]]… [--threshold T] [--report FILE]
 *                   [--verbose] [--memory] [--without-vocabulary] [--vectors-wait SECONDS]
 *                   [--leads FILE[,FILE…]]…
 *
 * Defaults: the repository's own samples/knowledge (the articles) and samples/eval/questions.jsonl, so a
 * fresh clone evaluates with nothing beside it. `--questions` may be repeated or take a comma list:
 * every figure is printed per set, then for all sets pooled. Each question is asked once, at the
 * threshold (default: the product's DEFAULT_NOT_COVERED_THRESHOLD); the answered/not-covered curve over
 * the threshold is computed from the confidences of that one pass.
 * Without MONGODB_URL/REDIS_URL, private FerretDB and Redis are started for the run; with
 * LOCAL_EMBEDDINGS=true the bundled embedding servers too (questions and documents), as the product
 * starts them. With embeddings configured, the questions wait until no document still waits for its
 * vectors (at most --vectors-wait, default 600 s). `--memory` skips storage and the queue (in-memory
 * engine only, lexical), for quick tuning runs; with it, `--without-vocabulary` turns the LMS synonym
 * vocabulary off (an ablation).
 *
 * Every question set also gets the product's handoff decision (decideHandoff with the default settings
 * and a new tenant's default keyword rules): the handoff rate on `human_request` questions, the keyword
 * rule hit rate on `keyword` questions, and how many support questions the lead detector calls leads.
 * `--leads FILE` (`{ id, text, lead }` per line) prints the lead detector's precision and recall (report
 * keys `leadPrecision`, `leadRecall`); the rules decide, with OPENAI_API_KEY set the chat model checks
 * borderline messages as in the product. With `--leads` and neither `--questions` nor `--memory`, only
 * the leads are evaluated (no storage, no documents).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Types } from 'mongoose';
import { PROJECT_ROOT, startEmbeddedServices, withLocalEmbeddings } from '../src/app/embedded-services.js';
import { openRuntime } from '../src/app/runtime.js';
import { createAssistant } from '../src/assistant/index.js';
import { ConfigError, loadConfig } from '../src/config/env.js';
import { evaluateHandoffs, formatHandoffSummary, type HandoffSummary } from '../src/handoff/handoff-eval.js';
import { closeWorkers, startWorkers } from '../src/jobs/workers.js';
import { sourcesAwaitingVectors } from '../src/knowledge/embedding-status.js';
import { formatSummary, reportJson } from '../src/knowledge/eval-report.js';
import {
  askEngine,
  askerRole,
  evaluateSets,
  questionFiles,
  readQuestionSets,
} from '../src/knowledge/eval-sets.js';
import {
  ATTRIBUTION_FILE,
  DEFAULT_NOT_COVERED_THRESHOLD,
  type EvalAnswer,
  type EvalQuestion,
  embeddingSettings,
  KnowledgeChunkModel,
  KnowledgeEngine,
  KnowledgeIndexRegistry,
  KnowledgeService,
  KnowledgeSourceModel,
  KnowledgeStateModel,
  KnowledgeUploadModel,
  readDocumentFolder,
  SAMPLE_KNOWLEDGE_DIR,
  SUPPORTED_EXTENSIONS,
} from '../src/knowledge/index.js';
import {
  evaluateLeadSets,
  formatLeadFalseAlarms,
  formatLeadMisses,
  formatLeadSummary,
  leadFalseAlarms,
  leadReportJson,
  readLeadSets,
} from '../src/leads/lead-eval.js';
import { classifyLeadIntent, createLeadIntentModel } from '../src/leads/lead-intent-model.js';
import { Lifecycle } from '../src/lib/lifecycle.js';
import { createLogger } from '../src/lib/logger.js';
import { createRedis } from '../src/redis/connection.js';

const OPTIONS = {
  docs: { type: 'string' },
  questions: { type: 'string', multiple: true },
  threshold: { type: 'string' },
  'vectors-wait': { type: 'string' },
  report: { type: 'string' },
  verbose: { type: 'boolean', default: false },
  memory: { type: 'boolean', default: false },
  'without-vocabulary': { type: 'boolean', default: false },
  leads: { type: 'string', multiple: true },
} as const;
let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
try {
  values = parseArgs({ options: OPTIONS }).values;
} catch (error) {
  console.error(`eval: ${(error as Error).message}`);
  process.exit(1);
}
const docsDir = path.resolve(values.docs ?? SAMPLE_KNOWLEDGE_DIR);
const files = questionFiles(
  values.questions ?? [path.join(PROJECT_ROOT, 'samples', 'eval', 'questions.jsonl')],
);
const leadFiles = questionFiles(values.leads ?? []);
const threshold = values.threshold === undefined ? DEFAULT_NOT_COVERED_THRESHOLD : Number(values.threshold);
if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
  console.error(`eval: --threshold must be a number from 0 to 1, got "${values.threshold}"`);
  process.exit(1);
}

const vectorsWaitS = Number(values['vectors-wait'] ?? 600);
if (!Number.isFinite(vectorsWaitS) || vectorsWaitS < 0) {
  console.error(`eval: --vectors-wait must be a number of seconds, got "${values['vectors-wait']}"`);
  process.exit(1);
}

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
const sets = await readQuestionSets(files).catch((error: Error & { code?: string }) => {
  const file = (error as { path?: string }).path;
  console.error(`eval: ${error.code === 'ENOENT' && file ? `no questions file ${file}` : error.message}`);
  process.exit(1);
});

// Leads files are read before any service starts, so a typo fails at once with the file's name.
const leadSets = await readLeadSets(leadFiles).catch((error: Error & { code?: string }) => {
  const file = (error as { path?: string }).path;
  console.error(`eval: ${error.code === 'ENOENT' && file ? `no leads file ${file}` : error.message}`);
  process.exit(1);
});

// The lead detector as the product runs it: the rules, and the chat model on borderline messages when
// OPENAI_API_KEY is set.
const leadModel = createLeadIntentModel(config);
const classifyLead = (text: string) => classifyLeadIntent(text, { model: leadModel, logger });
const leadMode = leadModel ? `rules + model check of borderline messages (${leadModel.name})` : 'rules';

/** Prints the lead figures of `--leads` and returns their report keys (none without `--leads`). */
async function leadFigures(): Promise<Record<string, unknown>> {
  if (leadSets.length === 0) return {};
  const { sets: results, pooled } = await evaluateLeadSets(leadSets, classifyLead);
  for (const set of results) {
    console.log('');
    for (const l of formatLeadSummary(
      `${set.name} (${path.relative(process.cwd(), set.file)})`,
      set.summary,
      leadMode,
    ))
      console.log(l);
    if (values.verbose) for (const l of formatLeadMisses(set.outcomes)) console.log(l);
  }
  if (results.length > 1) {
    console.log('');
    for (const l of formatLeadSummary(
      `pooled leads (${results.map((s) => s.name).join(' + ')})`,
      pooled,
      leadMode,
    ))
      console.log(l);
  }
  return leadReportJson(results, pooled, leadMode);
}

/** The handoff decision's figures and the lead false alarms of a set of questions, printed and reported. */
async function routingFigures(questions: readonly EvalQuestion[]): Promise<{
  lines: string[];
  json: {
    handoffRate: number;
    keywordRuleHitRate: number;
    handoff: HandoffSummary;
    leadFalseAlarms: unknown;
  };
}> {
  const handoff = evaluateHandoffs(questions).summary;
  const alarms = await leadFalseAlarms(questions, classifyLead);
  return {
    lines: [...formatHandoffSummary(handoff), formatLeadFalseAlarms(alarms)],
    json: {
      handoffRate: handoff.handoffRate,
      keywordRuleHitRate: handoff.keywordRuleHitRate,
      handoff,
      leadFalseAlarms: alarms,
    },
  };
}

/** The commit the figures come from (and whether the tree had changes), for the report. */
function revision(): { commit: string | null; dirty: boolean | null } {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    return {
      commit: git('rev-parse', 'HEAD').trim(),
      dirty: git('status', '--porcelain', '--', 'src').trim() !== '',
    };
  } catch {
    return { commit: null, dirty: null };
  }
}

/** Prints the commit line of the run and returns the revision for the report. */
function printRevision(): ReturnType<typeof revision> {
  const rev = revision();
  console.log(
    `commit: ${rev.commit ?? 'unknown'}${rev.dirty ? ' (with uncommitted changes under src/)' : ''}`,
  );
  return rev;
}

async function report(
  ask: (q: EvalQuestion) => Promise<EvalAnswer> | EvalAnswer,
  mode: string,
  loaded: string,
): Promise<void> {
  const result = await evaluateSets(sets, { ask, mode, threshold });
  console.log(loaded);
  const rev = printRevision();
  const routing = [];
  for (const [i, set] of result.sets.entries()) {
    console.log('');
    for (const l of formatSummary(`${set.name} (${path.relative(process.cwd(), set.file)})`, set))
      console.log(l);
    routing.push(await routingFigures(sets[i]?.questions ?? []));
    for (const l of routing[i]?.lines ?? []) console.log(l);
  }
  const pooledRouting = await routingFigures(sets.flatMap((s) => s.questions));
  if (result.sets.length > 1) {
    console.log('');
    for (const l of formatSummary(`pooled (${result.sets.map((s) => s.name).join(' + ')})`, {
      summary: result.pooled,
    }))
      console.log(l);
    for (const l of pooledRouting.lines) console.log(l);
  }
  const leadJson = await leadFigures();
  if (values.verbose) {
    for (const o of result.outcomes) {
      const conf = o.confidence === null ? '' : ` confidence=${o.confidence.toFixed(3)}`;
      if (o.kind === 'answerable' && o.hitRank !== 1)
        console.log(`  miss@1 ${o.id} rank=${o.hitRank}${conf} ${o.topSources.join(', ')}`);
      if (o.kind === 'answerable' && o.notCovered) console.log(`  unanswered ${o.id}${conf}`);
      if (o.kind === 'out_of_scope' && !o.notCovered)
        console.log(`  answered out-of-scope ${o.id}${conf} ${o.topSources[0]}`);
    }
  }
  if (values.report) {
    const json = reportJson(result.sets, result.pooled, { ...rev, docs: docsDir, loaded });
    const setsJson = json.sets as Record<string, Record<string, unknown>>;
    for (const [i, set] of result.sets.entries()) Object.assign(setsJson[set.name] ?? {}, routing[i]?.json);
    Object.assign(json, pooledRouting.json, leadJson);
    await writeFile(path.resolve(values.report), `${JSON.stringify(json, null, 2)}\n`);
  }
}

if (leadFiles.length > 0 && values.questions === undefined && !values.memory) {
  // Leads only: the detector needs no storage and no documents.
  const rev = printRevision();
  console.log('questions: not evaluated (pass --questions or --memory to evaluate them as well)');
  const leadJson = await leadFigures();
  if (values.report)
    await writeFile(path.resolve(values.report), `${JSON.stringify({ ...rev, ...leadJson }, null, 2)}\n`);
  process.exit(0);
}

if (values.memory) {
  const engine = new KnowledgeEngine(values['without-vocabulary'] ? { vocabulary: { weight: 0 } } : {});
  const docs = await readDocumentFolder(docsDir);
  const started = performance.now();
  await engine.index('eval', docs);
  await report(
    askEngine(engine, 'eval', threshold),
    'extractive',
    `docs: ${docs.length} (${engine.size('eval')} chunks, in memory, indexed in ${(performance.now() - started).toFixed(0)} ms)`,
  );
  process.exit(0);
}

const lifecycle = new Lifecycle(logger, config.SHUTDOWN_TIMEOUT_MS);
let scratchDir: string | undefined;
let mongoUrl = config.MONGODB_URL;
let redisUrl = config.REDIS_URL;
if (config.LOCAL_EMBEDDINGS && config.EMBEDDINGS_BASE_URL) {
  console.error('eval: LOCAL_EMBEDDINGS=true starts its own embedding server; unset EMBEDDINGS_BASE_URL');
  process.exit(1);
}
// As the product does with LOCAL_EMBEDDINGS=true: the bundled server, one for the documents (the
// ingestion side) and one for the questions (the web side), since e5 prefixes the two differently.
let questionConfig = config;
if (!mongoUrl || !redisUrl || config.LOCAL_EMBEDDINGS) {
  scratchDir = mkdtempSync(path.join(tmpdir(), 'chatref-eval-'));
  const embedded = await startEmbeddedServices({
    dataDir: scratchDir,
    logger,
    mongo: !mongoUrl,
    redis: !redisUrl,
    embeddings: config.LOCAL_EMBEDDINGS ? ['query', 'passage'] : [],
    database: 'chatref_eval',
  });
  mongoUrl ??= embedded.mongoUrl;
  redisUrl ??= embedded.redisUrl;
  const { query, passage } = embedded.embeddingsUrls;
  if (query) questionConfig = withLocalEmbeddings(config, query);
  if (passage) config = withLocalEmbeddings(config, passage);
  lifecycle.onShutdown('embedded services', () => embedded.stop());
}
const embeddings = embeddingSettings(config);
const runtime = await openRuntime({ config, logger, lifecycle, mongoUrl: mongoUrl!, redisUrl: redisUrl! });
const workerConnection = createRedis(runtime.redisUrl, 'worker', logger);
lifecycle.onShutdown('worker redis', async () => {
  await workerConnection.quit().catch(() => workerConnection.disconnect());
});
const workers = startWorkers({
  connection: workerConnection,
  prefix: config.REDIS_PREFIX,
  concurrency: config.WORKER_CONCURRENCY,
  // Ingestion only: the SLA and notification queues need services this script does not start.
  queues: ['maintenance', 'knowledge'],
  queueConcurrency: { knowledge: config.KNOWLEDGE_WORKER_CONCURRENCY },
  logger,
  knowledge: { config, redis: runtime.redis, logger },
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
  let vectorsLine = 'embeddings: none (lexical only)';
  if (embeddings) {
    // A document is searchable before its vectors are in (they may be filled later by a retry job):
    // wait for them, within --vectors-wait seconds, so questions see the index the product ends up with.
    const waitMs = vectorsWaitS * 1000;
    for (const until = performance.now() + waitMs; ; ) {
      // 0 when every document has its vectors or its retries have given up.
      if ((await sourcesAwaitingVectors(tenantId, embeddings.model)) === 0 || performance.now() > until)
        break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const total = await KnowledgeChunkModel.countDocuments({ tenantId: tenant });
    const withVectors = await KnowledgeChunkModel.countDocuments({
      tenantId: tenant,
      embedding: { $exists: true },
    });
    vectorsLine = `embeddings: ${embeddings.model} at ${embeddings.baseURL}, ${withVectors} of ${total} chunks with vectors after ${(
      (performance.now() - started) / 1000
    ).toFixed(1)} s`;
  }
  // Ingestion is over: stop the worker so retry jobs still embedding do not compete with the questions.
  await closeWorkers(workers);
  await registry.ensure(tenantId);
  const assistant = createAssistant({ registry, config: questionConfig, logger });
  const mode = config.OPENAI_API_KEY ? 'model' : 'extractive';
  await report(
    async (q) => {
      const result = await assistant.answerQuestion({
        tenantId,
        question: q.question,
        locale: 'en',
        threshold,
        ...(askerRole(q) ? { role: askerRole(q) } : {}),
      });
      return {
        sources: result.sources,
        notCovered: result.notCovered,
        confidence: result.confidence,
        text: result.text,
      };
    },
    mode,
    `docs: ${names.length} (${registry.size(tenantId)} chunks, ingested through MongoDB + the queue in ${(
      ingestMs / 1000
    ).toFixed(1)} s)\n${vectorsLine}`,
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
