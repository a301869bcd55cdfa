/**
 * Fits the answer-or-hand-off confidence (src/knowledge/confidence-calibration.data.ts) on the pooled
 * development questions, and prints how the fit does on questions it was not fitted on (5-fold
 * cross-validation, folds holding both sets in proportion).
 *
 *   npm run calibrate -- [--docs FOLDER] [--questions FILE]... [--write]
 *
 * Defaults: samples/knowledge and both samples/eval sets. The label of a question is "answering helps":
 * answerable, with a correct article among the top 3 sources. An out-of-scope question, or an answerable
 * one whose article retrieval missed, is one to hand off. The confidence is the fitted probability of
 * "answering helps", so 0.5 is where answering and handing off cost the same when both mistakes are
 * equally bad (the product's default threshold).
 *
 * With embeddings configured (EMBEDDINGS_BASE_URL, OPENAI_API_KEY, or LOCAL_EMBEDDINGS=true, which starts
 * the bundled servers as the product does), the hybrid calibration of that
 * model is fitted as well, from the same questions searched with vectors. Vectors are kept in
 * data/calibration-vectors/<model>.jsonl (by sha256 of what was embedded), so a refit after a retrieval
 * change embeds nothing again.
 */
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT, startEmbeddedServices, withLocalEmbeddings } from '../src/app/embedded-services.js';
import { loadConfig } from '../src/config/env.js';
import type { Audience } from '../src/knowledge/audience.js';
import {
  type CalibrationSample,
  crossValidate,
  fitLogistic,
  logLoss,
  vectorRangeOf,
} from '../src/knowledge/calibration-fit.js';
import type {
  ConfidenceCalibrationSet,
  ConfidenceFeatures,
  LogisticCalibration,
} from '../src/knowledge/confidence.service.js';
import { CONFIDENCE_CALIBRATION } from '../src/knowledge/confidence-calibration.data.js';
import { createEmbedder, embeddingText } from '../src/knowledge/embeddings.service.js';
import { type EvalQuestion, readDocumentFolder, readQuestions } from '../src/knowledge/evaluation.js';
import { KnowledgeEngine } from '../src/knowledge/knowledge-engine.service.js';
import { createLogger } from '../src/lib/logger.js';

const { values } = parseArgs({
  options: {
    docs: { type: 'string' },
    questions: { type: 'string', multiple: true },
    write: { type: 'boolean', default: false },
  },
});

const LEXICAL: (keyof ConfidenceFeatures)[] = [
  'coverage',
  'strength',
  'margin',
  'unknown',
  'missing',
  'title',
  'document',
  'foreign',
];
const HYBRID: (keyof ConfidenceFeatures)[] = [...LEXICAL, 'vector', 'vectorMargin'];
const L2 = 1;
const THRESHOLDS = [0.3, 0.4, 0.5, 0.6, 0.7];
const DATA_FILE = path.join(PROJECT_ROOT, 'src/knowledge/confidence-calibration.data.ts');

const docsFolder = values.docs ?? path.join(PROJECT_ROOT, 'samples/knowledge');
const questionFiles = values.questions?.length
  ? values.questions
  : ['questions.jsonl', 'questions-hard.jsonl'].map((f) => path.join(PROJECT_ROOT, 'samples/eval', f));

const isAudience = (role: unknown): role is Audience =>
  role === 'learner' || role === 'instructor' || role === 'admin';

interface Labelled extends CalibrationSample {
  question: EvalQuestion;
}

async function collect(engine: KnowledgeEngine, embed?: (q: string) => Promise<number[]>) {
  const samples: Labelled[] = [];
  for (const file of questionFiles) {
    const set = path.basename(file);
    for (const question of await readQuestions(file)) {
      if (question.kind !== 'answerable' && question.kind !== 'out_of_scope') continue;
      const result = engine.ask('calibrate', question.question, {
        locale: 'en',
        ...(isAudience(question.role) ? { role: question.role } : {}),
        ...(embed ? { queryEmbedding: await embed(question.question) } : {}),
      });
      const rank = result.sources.findIndex((s) => question.sources?.includes(s.sourceId));
      const good = question.kind === 'answerable' && rank >= 0 && rank < 3;
      samples.push({ features: result.features, good, set, question });
    }
  }
  return samples;
}

function report(name: string, samples: Labelled[], names: (keyof ConfidenceFeatures)[]) {
  const vectorRange = names.includes('vector') ? vectorRangeOf(samples) : undefined;
  if (vectorRange) console.log(`\nbest-passage cosines, 5th to 95th percentile: ${vectorRange.join(' to ')}`);
  const p = crossValidate(samples, names, { l2: L2, folds: 5, vectorRange });
  console.log(
    `\n## ${name}: ${samples.length} questions, cross-validated log loss ${logLoss(p, samples).toFixed(3)}`,
  );
  console.log('threshold  set                     answered  useful  out-of-scope flagged');
  for (const threshold of THRESHOLDS)
    for (const set of [...new Set(samples.map((s) => s.set))]) {
      const rows = samples.map((s, i) => ({ s, p: p[i] ?? 0 })).filter((r) => r.s.set === set);
      const answerable = rows.filter((r) => r.s.question.kind === 'answerable');
      const outOfScope = rows.filter((r) => r.s.question.kind === 'out_of_scope');
      const share = (n: number, d: number) => (d > 0 ? (n / d).toFixed(2) : ' —  ');
      console.log(
        `${threshold.toFixed(2).padEnd(10)} ${String(set).padEnd(23)} ${share(answerable.filter((r) => r.p >= threshold).length, answerable.length).padEnd(9)} ${share(answerable.filter((r) => r.p >= threshold && r.s.good).length, answerable.length).padEnd(7)} ${share(outOfScope.filter((r) => r.p < threshold).length, outOfScope.length)}`,
      );
    }
  console.log(
    'reliability (cross-validated): confidence bin, questions, mean confidence, share where answering helps',
  );
  for (let bin = 0; bin < 5; bin++) {
    const lo = bin / 5;
    const hi = (bin + 1) / 5;
    const inBin = samples
      .map((s, i) => ({ s, p: p[i] ?? 0 }))
      .filter((r) => r.p >= lo && (r.p < hi || (bin === 4 && r.p <= 1)));
    if (inBin.length === 0) continue;
    const mean = inBin.reduce((sum, r) => sum + r.p, 0) / inBin.length;
    const good = inBin.filter((r) => r.s.good).length / inBin.length;
    console.log(
      `  ${lo.toFixed(1)}–${hi.toFixed(1)}  ${String(inBin.length).padStart(4)}  ${mean.toFixed(2)}  ${good.toFixed(2)}`,
    );
  }
  return fitLogistic(samples, names, { l2: L2, vectorRange });
}

/** Vectors already computed for a model, on disk (see the header). */
function vectorCache(model: string) {
  const folder = path.join(PROJECT_ROOT, 'data/calibration-vectors');
  const file = path.join(folder, `${model.replace(/[^a-z0-9._-]/gi, '_')}.jsonl`);
  const key = (kind: string, text: string) => createHash('sha256').update(`${kind}\n${text}`).digest('hex');
  const known = new Map<string, number[]>();
  if (existsSync(file))
    for (const line of readFileSync(file, 'utf8').split('\n'))
      if (line) {
        const { k, v } = JSON.parse(line) as { k: string; v: number[] };
        known.set(k, v);
      }
  mkdirSync(folder, { recursive: true });
  return {
    get: (kind: 'passage' | 'query', text: string) => known.get(key(kind, text)),
    put(kind: 'passage' | 'query', text: string, vector: number[]) {
      known.set(key(kind, text), vector);
      appendFileSync(file, `${JSON.stringify({ k: key(kind, text), v: vector })}\n`);
    },
  };
}

const docs = await readDocumentFolder(docsFolder);
const engine = new KnowledgeEngine();
const records = await engine.index('calibrate', docs);
console.log(`docs: ${docs.length} (${records.length} chunks); questions: ${questionFiles.join(', ')}`);
const lexical = report('lexical', await collect(engine), LEXICAL);

let config = loadConfig(process.env);
let questionConfig = config;
let stopServers = async () => undefined as unknown;
if (config.LOCAL_EMBEDDINGS && !config.EMBEDDINGS_BASE_URL) {
  // As the product runs it: one bundled server for documents and one for questions (e5 prefixes them apart).
  const dataDir = mkdtempSync(path.join(tmpdir(), 'chatref-calibrate-'));
  const servers = await startEmbeddedServices({
    dataDir,
    logger: createLogger({ level: 'warn' }),
    mongo: false,
    redis: false,
    embeddings: ['query', 'passage'],
  });
  stopServers = async () => {
    await servers.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const { query, passage } = servers.embeddingsUrls;
  if (query) questionConfig = withLocalEmbeddings(config, query);
  if (passage) config = withLocalEmbeddings(config, passage);
}
const embedder = createEmbedder(config);
const questionEmbedder = createEmbedder(questionConfig);
const byModel: Record<string, LogisticCalibration> = { ...CONFIDENCE_CALIBRATION.byModel };
if (embedder) {
  const cache = vectorCache(embedder.model);
  const texts = records.map(embeddingText);
  const missing = [...new Set(texts.filter((t) => !cache.get('passage', t)))];
  console.log(
    `\nembedding ${missing.length} of ${records.length} chunks with ${embedder.model} (the rest cached)…`,
  );
  for (let i = 0; i < missing.length; i += 32) {
    const batch = missing.slice(i, i + 32);
    const vectors = await embedder.embedDocuments(batch);
    batch.forEach((text, j) => {
      cache.put('passage', text, vectors[j] ?? []);
    });
  }
  engine.load(
    'calibrate',
    records.map((r, i) => ({ ...r, embedding: cache.get('passage', texts[i] ?? '') })),
  );
  const embedQuestion = async (question: string) => {
    const known = cache.get('query', question);
    if (known) return known;
    const vector = await (questionEmbedder ?? embedder).embedQuery(question);
    cache.put('query', question, vector);
    return vector;
  };
  const hybrid = report(`hybrid (${embedder.model})`, await collect(engine, embedQuestion), HYBRID);
  byModel[embedder.model] = hybrid;
}

const fitted: ConfidenceCalibrationSet = { lexical, byModel };
console.log(`\nfitted: ${JSON.stringify(fitted)}`);
if (values.write) {
  const text = readFileSync(DATA_FILE, 'utf8');
  const start = text.indexOf('export const CONFIDENCE_CALIBRATION');
  writeFileSync(
    DATA_FILE,
    `${text.slice(0, start)}export const CONFIDENCE_CALIBRATION: ConfidenceCalibrationSet = ${JSON.stringify(fitted, null, 2)};\n`,
  );
  console.log(
    `written to ${path.relative(PROJECT_ROOT, DATA_FILE)} (format it with npx biome check --write)`,
  );
}
await stopServers();
process.exit(0);
