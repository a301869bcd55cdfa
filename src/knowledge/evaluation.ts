import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { SourceDocument } from './knowledge.types.js';
import { ATTRIBUTION_FILE } from './sample-knowledge.js';

/** One labelled question (see samples/eval/README.md). */
export interface EvalQuestion {
  id: string;
  question: string;
  kind: 'answerable' | 'out_of_scope' | 'human_request' | 'keyword' | string;
  /** For answerable questions: file names any one of which is a correct source. */
  sources?: string[];
  role?: string;
  keyword_category?: string;
}

/** What the evaluation needs back from whatever answers questions. */
export interface EvalAnswer {
  sources: readonly { sourceId: string; path?: string }[];
  notCovered: boolean;
}

/** How one question went. */
export interface QuestionOutcome {
  id: string;
  kind: string;
  ms: number;
  notCovered: boolean;
  /** 1-based rank of the first correct source, or null (answerable only). */
  hitRank: number | null;
  topSources: string[];
}

/** Aggregate figures; the field names are the report's JSON keys. */
export interface EvalSummary {
  counts: Record<string, number>;
  answerable: number;
  top1HitRate: number;
  top3HitRate: number;
  answeredRate: number;
  outOfScope: number;
  notCoveredRate: number;
  p50Ms: number;
  p95Ms: number;
  mode: string;
}

/** Input of {@link runEvaluation}: `ask` is whatever pipeline is under test (in-memory, or DB + queue). */
export interface RunEvaluationInput {
  ask: (question: EvalQuestion) => EvalAnswer | Promise<EvalAnswer>;
  questions: readonly EvalQuestion[];
  /** Reported as is ('extractive' or 'model'). Default 'extractive'. */
  mode?: string;
}

/** Result of {@link runEvaluation}. */
export interface EvaluationResult {
  summary: EvalSummary;
  outcomes: QuestionOutcome[];
}

const fileName = (s: { sourceId: string; path?: string }) => basename(s.path ?? s.sourceId);

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? 0;
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Summarises outcomes. Only answerable and out_of_scope questions are scored (other kinds belong to
 * the handoff and keyword modules) but every kind is counted; latency covers answerable and out_of_scope.
 */
export function summarise(outcomes: readonly QuestionOutcome[], mode = 'extractive'): EvalSummary {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.kind] = (counts[o.kind] ?? 0) + 1;
  const answerable = outcomes.filter((o) => o.kind === 'answerable');
  const outOfScope = outcomes.filter((o) => o.kind === 'out_of_scope');
  const rate = (n: number, d: number) => (d === 0 ? 0 : round(n / d));
  const times = [...answerable, ...outOfScope].map((o) => o.ms).sort((a, b) => a - b);
  return {
    counts,
    answerable: answerable.length,
    top1HitRate: rate(answerable.filter((o) => o.hitRank === 1).length, answerable.length),
    top3HitRate: rate(
      answerable.filter((o) => o.hitRank !== null && o.hitRank <= 3).length,
      answerable.length,
    ),
    answeredRate: rate(answerable.filter((o) => !o.notCovered).length, answerable.length),
    outOfScope: outOfScope.length,
    notCoveredRate: rate(outOfScope.filter((o) => o.notCovered).length, outOfScope.length),
    p50Ms: round(percentile(times, 50)),
    p95Ms: round(percentile(times, 95)),
    mode,
  };
}

/** Runs every question through `ask` (sequentially, so latencies are not contended) and scores it. */
export async function runEvaluation(input: RunEvaluationInput): Promise<EvaluationResult> {
  const outcomes: QuestionOutcome[] = [];
  for (const q of input.questions) {
    const started = performance.now();
    const answer = await input.ask(q);
    const ms = performance.now() - started;
    const top = answer.sources.map(fileName);
    const expected = new Set(q.sources ?? []);
    const rank = top.findIndex((name) => expected.has(name));
    outcomes.push({
      id: q.id,
      kind: q.kind,
      ms,
      notCovered: answer.notCovered,
      hitRank: q.kind === 'answerable' && rank >= 0 ? rank + 1 : null,
      topSources: top.slice(0, 3),
    });
  }
  return { summary: summarise(outcomes, input.mode), outcomes };
}

/**
 * Splits questions into two halves, alternating within each kind (in id order), so parameters can be
 * chosen on half A and confirmed on half B.
 */
export function splitHalves<T extends { id: string; kind: string }>(items: readonly T[]): { a: T[]; b: T[] } {
  const seen: Record<string, number> = {};
  const a: T[] = [];
  const b: T[] = [];
  for (const item of [...items].sort((x, y) => x.id.localeCompare(y.id))) {
    const n = seen[item.kind] ?? 0;
    seen[item.kind] = n + 1;
    (n % 2 === 0 ? a : b).push(item);
  }
  return { a, b };
}

/** Reads a JSON Lines question file. */
export async function readQuestions(file: string): Promise<EvalQuestion[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as EvalQuestion);
}

const FORMATS: Record<string, SourceDocument['format']> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.txt': 'text',
  '.html': 'html',
  '.htm': 'html',
};

/**
 * Reads every Markdown, text and HTML file of a folder as tenant-wide documents (sourceId = file name),
 * leaving out the folder's licence note.
 */
export async function readDocumentFolder(folder: string): Promise<SourceDocument[]> {
  const names = (await readdir(folder))
    .filter((n) => FORMATS[extname(n).toLowerCase()] && n !== ATTRIBUTION_FILE)
    .sort();
  return Promise.all(
    names.map(async (name) => ({
      sourceId: name,
      path: name,
      format: FORMATS[extname(name).toLowerCase()] ?? 'text',
      content: await readFile(join(folder, name), 'utf8'),
      courseId: null,
    })),
  );
}
