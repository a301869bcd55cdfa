import { basename, extname, resolve } from 'node:path';
import type { Audience } from './audience.js';
import type { EvalSetResult } from './eval-report.js';
import {
  type EvalQuestion,
  type EvalSummary,
  type QuestionOutcome,
  type RunEvaluationInput,
  readQuestions,
  runEvaluation,
  splitHalves,
  summarise,
} from './evaluation.js';
import type { AskResult, KnowledgeEngine } from './knowledge-engine.service.js';

/** A question file to evaluate. */
export interface QuestionSet {
  /** Its file name without extension (made unique among the sets). */
  name: string;
  file: string;
  questions: EvalQuestion[];
}

/** `--questions` values, each a file or a comma-separated list of files, as absolute paths. */
export function questionFiles(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((f) => f.trim())
    .filter((f) => f !== '')
    .map((f) => resolve(f));
}

/**
 * Reads labelled files (questions, leads…) with `read`, each named after its file (a repeated name gets
 * "-2", "-3"…): the one naming every kind of set the eval prints and reports uses.
 */
export async function readNamedFiles<T>(
  files: readonly string[],
  read: (file: string) => Promise<T>,
): Promise<{ name: string; file: string; items: T }[]> {
  const seen = new Map<string, number>();
  const named: { name: string; file: string; items: T }[] = [];
  for (const file of files) {
    const base = basename(file, extname(file));
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    named.push({ name: n === 1 ? base : `${base}-${n}`, file, items: await read(file) });
  }
  return named;
}

/** Reads question files as sets named after their files (see {@link readNamedFiles}). */
export async function readQuestionSets(files: readonly string[]): Promise<QuestionSet[]> {
  const named = await readNamedFiles(files, readQuestions);
  return named.map(({ name, file, items }) => ({ name, file, questions: items }));
}

/** Every set's figures and the pooled ones (all sets' questions together). */
export interface SetsEvaluation {
  sets: EvalSetResult[];
  pooled: EvalSummary;
  outcomes: QuestionOutcome[];
}

/**
 * Runs each set through `ask` once and summarises it (with its halves), then pools the outcomes of
 * all sets.
 */
export async function evaluateSets(
  sets: readonly QuestionSet[],
  input: Omit<RunEvaluationInput, 'questions'>,
): Promise<SetsEvaluation> {
  const options = { mode: input.mode, threshold: input.threshold, curveThresholds: input.curveThresholds };
  const results: EvalSetResult[] = [];
  const all: QuestionOutcome[] = [];
  for (const set of sets) {
    const { summary, outcomes } = await runEvaluation({ ...input, questions: set.questions });
    const halves = splitHalves(outcomes);
    results.push({
      name: set.name,
      file: set.file,
      summary,
      halves: { a: summarise(halves.a, options), b: summarise(halves.b, options) },
    });
    all.push(...outcomes);
  }
  return { sets: results, pooled: summarise(all, options), outcomes: all };
}

/** What the evaluation reads from the engine's result. */
export const evalAnswerOf = (r: AskResult) => ({
  sources: r.sources,
  notCovered: r.notCovered,
  confidence: r.confidence,
  text: r.answer.text,
});

/** The asker's role of a labelled question, as the chat passes the launch's role. */
export const askerRole = (q: EvalQuestion): Audience | undefined =>
  q.role === 'learner' || q.role === 'instructor' || q.role === 'admin' ? q.role : undefined;

/** Asks the in-memory engine as the chat does, at `threshold` (the tenant's setting), as the question's role. */
export const askEngine =
  (engine: KnowledgeEngine, tenantId: string, threshold: number) => (q: EvalQuestion) =>
    evalAnswerOf(
      engine.ask(tenantId, q.question, {
        locale: 'en',
        notCoveredThreshold: threshold,
        ...(askerRole(q) ? { role: askerRole(q) } : {}),
      }),
    );
