/**
 * Retrieval latency over a 50k-chunk tenant (BM25 + 512-dim vectors + fusion), and two partial
 * ingestion figures (chunking alone; chunks bulk-inserted into the database). Ingestion through the
 * product's real path, end to end, is bench/ingestion.bench.ts. Standalone: `npx tsx bench/retrieval.bench.ts`.
 */

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import mongoose, { Types } from 'mongoose';
import { ferretdbBinary, startEmbeddedServices } from '../src/app/embedded-services.js';
import { readDocumentFolder } from '../src/knowledge/evaluation.js';
import {
  type ChunkRecord,
  chunkDocument,
  documentToRecords,
  KnowledgeChunkModel,
  KnowledgeEngine,
  parseDocument,
} from '../src/knowledge/index.js';
import { SAMPLE_KNOWLEDGE_DIR } from '../src/knowledge/sample-knowledge.js';
import { analyze } from '../src/knowledge/text-analysis.service.js';
import { TypoCorrector } from '../src/knowledge/typo-correction.js';
import { createLogger } from '../src/lib/logger.js';
import { percentile, rng } from './support.js';

const CHUNKS = 50_000;
const DIM = 512;
const QUERIES = 300;
const CHUNKS_PER_SOURCE = 10;
const COURSES = 20;

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The sample help articles (or the Markdown pages of BENCH_DOCS), as the knowledge base would read them. */
async function readCorpus(): Promise<{ name: string; content: string }[]> {
  const documents = await readDocumentFolder(resolve(process.env.BENCH_DOCS ?? SAMPLE_KNOWLEDGE_DIR));
  return documents
    .filter((d) => d.format === 'markdown')
    .map((d) => ({ name: d.sourceId, content: d.content }));
}

/**
 * End-to-end ingestion: parse + chunk + write the corpus's Markdown pages to the database (FerretDB
 * started for the run unless MONGODB_URL is set), batched as a bulk import would. Null when no
 * database is available.
 */
export async function benchIngestionToDatabase(rounds = 3): Promise<number | null> {
  const corpus = await readCorpus();
  const logger = createLogger({ level: 'silent' });
  let url = process.env.MONGODB_URL;
  let stop: (() => Promise<void>) | undefined;
  let dir: string | undefined;
  if (!url) {
    if (!existsSync(ferretdbBinary())) return null;
    dir = mkdtempSync(join(os.tmpdir(), 'chatref-bench-'));
    const services = await startEmbeddedServices({
      dataDir: dir,
      logger,
      mongo: true,
      redis: false,
      database: 'bench',
    });
    url = services.mongoUrl;
    stop = () => services.stop();
  }
  await mongoose.connect(url!);
  try {
    await KnowledgeChunkModel.init();
    const tenantId = new Types.ObjectId();
    const started = performance.now();
    for (let r = 0; r < rounds; r++) {
      let batch: Record<string, unknown>[] = [];
      for (const doc of corpus) {
        const sourceId = new Types.ObjectId();
        const parsed = await parseDocument(doc.name, Buffer.from(doc.content));
        const records = await documentToRecords({
          sourceId: String(sourceId),
          content: parsed.content,
          format: parsed.format,
          path: doc.name,
        });
        for (const rec of records) {
          batch.push({
            tenantId,
            courseId: null,
            sourceId,
            version: 1,
            ordinal: rec.ordinal,
            title: rec.title,
            heading: rec.heading,
            path: rec.path,
            text: rec.text,
          });
        }
        if (batch.length >= 1000) {
          await KnowledgeChunkModel.insertMany(batch, { ordered: false });
          batch = [];
        }
      }
      if (batch.length) await KnowledgeChunkModel.insertMany(batch, { ordered: false });
    }
    const pagesPerSecond = (rounds * corpus.length) / ((performance.now() - started) / 1000);
    await KnowledgeChunkModel.deleteMany({ tenantId });
    return pagesPerSecond;
  } finally {
    await mongoose.disconnect();
    await stop?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** Forces a full collection (the flag is set at run time, so the bench needs no node option). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/**
 * The typo corrector's memory (its deletion-key map, built on the first unseen term) and lookup time for a
 * vocabulary: heap after the build minus heap before, both after a full collection.
 */
function measureTypoIndex(
  terms: readonly string[],
  random: () => number,
): { mib: number; lookupP95Ms: number } {
  const corrector = new TypoCorrector({ vocabularyVersion: 1, vocabulary: () => terms });
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  corrector.corrections('zzzzzzq');
  collectGarbage();
  const mib = (process.memoryUsage().heapUsed - before) / 1048576;
  const times: number[] = [];
  for (let i = 0; i < 500; i++) {
    const word = terms[Math.floor(random() * terms.length)] ?? 'certificate';
    const at = Math.floor(random() * word.length);
    const typo = `${word.slice(0, at)}${word.slice(at + 1)}q`;
    const t = performance.now();
    corrector.corrections(typo);
    times.push(performance.now() - t);
  }
  // Keeps the corrector (and its map) alive until measured.
  corrector.corrections('zzzzzzq');
  return { mib: round(mib, 1), lookupP95Ms: round(percentile(times, 95), 3) };
}

/** Pseudo-words of 5–12 letters: a large institution's vocabulary (names, codes, jargon) in size. */
function syntheticVocabulary(size: number, random: () => number): string[] {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const out = new Set<string>();
  while (out.size < size) {
    const length = 5 + Math.floor(random() * 8);
    let word = '';
    for (let i = 0; i < length; i++) word += letters[Math.floor(random() * letters.length)];
    out.add(word);
  }
  return [...out];
}

/** Runs the benchmark and returns its figures. */
export async function benchRetrieval(): Promise<Record<string, number | string>> {
  const random = rng(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const corpus = await readCorpus();

  // Ingestion: chunk the real Markdown pages repeatedly.
  const rounds = 5;
  const ingestStart = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (const doc of corpus)
      await chunkDocument({ content: doc.content, format: 'markdown', path: doc.name });
  }
  const pagesPerSecond = (rounds * corpus.length) / ((performance.now() - ingestStart) / 1000);

  // Realistic text: resample the corpus's own sentences, titles and headings.
  const sentences: string[] = [];
  const titles: string[] = [];
  const headings: string[] = [];
  for (const doc of corpus) {
    for (const line of doc.content.split('\n')) {
      if (line.startsWith('# ')) titles.push(line.slice(2));
      else if (/^#{2,4} /.test(line)) headings.push(line.replace(/^#+ /, ''));
      else sentences.push(...line.split(/(?<=[.!?])\s+/).filter((s) => s.length > 30));
    }
  }
  const records: ChunkRecord[] = [];
  for (let i = 0; i < CHUNKS; i++) {
    const source = Math.floor(i / CHUNKS_PER_SOURCE);
    const embedding = new Float32Array(DIM);
    for (let d = 0; d < DIM; d++) embedding[d] = random() * 2 - 1;
    const sentenceCount = 3 + Math.floor(random() * 6);
    records.push({
      chunkId: `s${source}#${i % CHUNKS_PER_SOURCE}`,
      sourceId: `s${source}`,
      // A quarter of the documents belong to a course, the rest are tenant-wide.
      courseId: source % 4 === 0 ? `course-${source % COURSES}` : null,
      title: `${pick(titles)} ${source}`,
      heading: pick(headings),
      path: `doc-${source}.md`,
      ordinal: i % CHUNKS_PER_SOURCE,
      text: Array.from({ length: sentenceCount }, () => pick(sentences)).join(' '),
      embedding,
    });
  }
  const engine = new KnowledgeEngine();
  const loadStart = performance.now();
  engine.load('bench', records);
  const loadMs = performance.now() - loadStart;

  const questions = Array.from({ length: QUERIES }, () => {
    const words = pick(sentences).split(/\s+/);
    const start = Math.floor(random() * Math.max(1, words.length - 6));
    const embedding = new Float32Array(DIM);
    for (let d = 0; d < DIM; d++) embedding[d] = random() * 2 - 1;
    return { text: `How do I ${words.slice(start, start + 6).join(' ')}?`, embedding };
  });
  // Warm-up builds the document-level index and lets the JIT settle.
  for (const q of questions.slice(0, 30)) engine.ask('bench', q.text, { queryEmbedding: q.embedding });

  // Wall time, and this process's CPU time per question (less sensitive to a busy, shared machine).
  const hybrid: number[] = [];
  const lexical: number[] = [];
  const hybridCpu: number[] = [];
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  for (const [i, q] of questions.entries()) {
    const courseId = i % 2 === 0 ? `course-${i % COURSES}` : null;
    const cpu = process.cpuUsage();
    let t = performance.now();
    engine.ask('bench', q.text, { courseId, queryEmbedding: q.embedding });
    hybrid.push(performance.now() - t);
    hybridCpu.push(cpuMs(cpu));
    t = performance.now();
    engine.ask('bench', q.text, { courseId });
    lexical.push(performance.now() - t);
  }
  const tenantTerms = new Set<string>();
  for (const r of records)
    for (const term of analyze(`${r.title} ${r.heading} ${r.text}`)) tenantTerms.add(term);
  const typoTenant = measureTypoIndex([...tenantTerms], random);
  const typoLarge = measureTypoIndex(syntheticVocabulary(100_000, random), random);
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    chunks: CHUNKS,
    dimensions: DIM,
    queries: QUERIES,
    loadMs: round(loadMs, 0),
    hybridP50Ms: round(percentile(hybrid, 50)),
    hybridP95Ms: round(percentile(hybrid, 95)),
    hybridCpuP50Ms: round(percentile(hybridCpu, 50)),
    hybridCpuP95Ms: round(percentile(hybridCpu, 95)),
    lexicalP50Ms: round(percentile(lexical, 50)),
    lexicalP95Ms: round(percentile(lexical, 95)),
    typoIndexTerms: tenantTerms.size,
    typoIndexMiB: typoTenant.mib,
    typoLookupP95Ms: typoTenant.lookupP95Ms,
    typoIndexMiBAt100kTerms: typoLarge.mib,
    typoLookupP95MsAt100kTerms: typoLarge.lookupP95Ms,
    // Parts of ingestion only; the product's real path end to end is bench/ingestion.bench.ts.
    chunkingOnlyPagesPerSecond: round(pagesPerSecond, 0),
    bulkInsertToDatabasePagesPerSecond: await benchIngestionToDatabase().then(
      (v) => (v === null ? 'no database' : round(v, 0)),
      (error: Error) => `failed: ${error.message}`,
    ),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await benchRetrieval();
  for (const [key, value] of Object.entries(figures)) console.log(`${key.padEnd(24)} ${value}`);
}
