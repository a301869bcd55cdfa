/**
 * Retrieval/answer quality over the labelled questions, in extractive mode with an in-memory tenant.
 *   npx tsx scripts/eval.ts [--docs FOLDER] [--questions FILE] [--report FILE] [--verbose]
 * Defaults: ../shared/corpus/docs and ../shared/eval/questions.jsonl, relative to the parent of cwd.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type EvalSummary,
  KnowledgeEngine,
  readDocumentFolder,
  readQuestions,
  runEvaluation,
  splitHalves,
  summarise,
} from '../src/knowledge/index.js';

const { values } = parseArgs({
  options: {
    docs: { type: 'string' },
    questions: { type: 'string' },
    report: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});
const shared = resolve(process.cwd(), '..', 'shared');
const docsDir = resolve(values.docs ?? resolve(shared, 'corpus', 'docs'));
const questionsFile = resolve(values.questions ?? resolve(shared, 'eval', 'questions.jsonl'));

// The loading step: swap this block for "ingest through the database + queue" to test the real path.
const engine = new KnowledgeEngine();
const tenantId = 'eval';
const docs = await readDocumentFolder(docsDir);
const loadStart = performance.now();
await engine.index(tenantId, docs);
const loadMs = performance.now() - loadStart;

const questions = await readQuestions(questionsFile);
const { summary, outcomes } = await runEvaluation({
  questions,
  ask: (q) => engine.ask(tenantId, q.question, { locale: 'en' }),
});
const halves = splitHalves(outcomes);

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const line = (label: string, s: EvalSummary) =>
  `${label.padEnd(8)} top1 ${pct(s.top1HitRate).padStart(6)}  top3 ${pct(s.top3HitRate).padStart(6)}  answered ${pct(
    s.answeredRate,
  ).padStart(
    6,
  )}  not-covered ${pct(s.notCoveredRate).padStart(6)}  (answerable ${s.answerable}, out_of_scope ${s.outOfScope})`;

console.log(`docs: ${docs.length} (${engine.size(tenantId)} chunks, indexed in ${loadMs.toFixed(0)} ms)`);
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
  const { counts: _counts, ...report } = summary;
  await writeFile(resolve(values.report), `${JSON.stringify(report, null, 2)}\n`);
}
