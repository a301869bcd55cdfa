import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { percentile } from '../lib/percentile.js';
import {
  type CurvePoint,
  DEFAULT_CURVE_THRESHOLDS,
  hitInTop3,
  type Reliability,
  rate,
  reliabilityTable,
  round,
  thresholdAgreement,
  thresholdCurve,
} from './eval-curve.js';
import { detectQuestionLanguage, type EvalLanguage } from './eval-language.js';
import { splitAnswerText } from './extractive-answer.service.js';
import type { SourceDocument } from './knowledge.types.js';
import { ATTRIBUTION_FILE } from './sample-knowledge.js';

export * from './eval-curve.js';
export * from './eval-language.js';

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
  /** Ranked sources (best first); hits are scored on these. */
  sources: readonly { sourceId: string; path?: string }[];
  /** The pipeline's decision at the threshold it was asked with. */
  notCovered: boolean;
  /** 0-1 confidence the decision compares with the threshold; without it there is no curve. */
  confidence?: number;
  /** The reply shown, for its length in words. */
  text?: string;
}

/** How one question went. */
export interface QuestionOutcome {
  id: string;
  kind: string;
  role: string | null;
  language: EvalLanguage;
  ms: number;
  notCovered: boolean;
  confidence: number | null;
  /** Retrieval found at least one source. */
  retrieved: boolean;
  /** 1-based rank of the first correct source, or null (answerable only). */
  hitRank: number | null;
  /** Answerable, answered, and a correct article among the top 3 sources. */
  useful: boolean;
  /** Words of the reply shown at once when the question was answered, else null. */
  answerWords: number | null;
  topSources: string[];
}

/** Figures of a subset of questions (one language, one role). */
export interface EvalGroupSummary {
  answerable: number;
  top1HitRate: number;
  top3HitRate: number;
  answeredRate: number;
  usefulRate: number;
  outOfScope: number;
  notCoveredRate: number;
}

/** Aggregate figures; the field names are the report's JSON keys. */
export interface EvalSummary extends EvalGroupSummary {
  counts: Record<string, number>;
  p50Ms: number;
  p95Ms: number;
  mode: string;
  /** Median and 90th percentile of the reply's length in words, over answered scored questions. */
  answerWordsP50: number;
  answerWordsP90: number;
  byLanguage: Record<string, EvalGroupSummary>;
  byRole: Record<string, EvalGroupSummary>;
  /** The threshold the questions were asked with, when known. */
  threshold: number | null;
  /** See {@link thresholdAgreement}: 1 when the curve reproduces the decisions at `threshold`. */
  thresholdAgreement: number | null;
  curve: CurvePoint[];
  reliability: Reliability;
  /**
   * Per role: the calibration error and the curve's best balanced point, to see whether a threshold per
   * role would help.
   */
  calibrationByRole: Record<string, RoleCalibration>;
}

/** See {@link EvalSummary.calibrationByRole}. */
export interface RoleCalibration {
  ece: number | null;
  /**
   * Threshold of the best balanced score (the lowest one on a tie); null without a curve or when the
   * role has no answerable or no out-of-scope question.
   */
  bestThreshold: number | null;
  bestBalanced: number | null;
}

/** Input of {@link runEvaluation}: `ask` is whatever pipeline is under test (in-memory, or DB + queue). */
export interface RunEvaluationInput {
  ask: (question: EvalQuestion) => EvalAnswer | Promise<EvalAnswer>;
  questions: readonly EvalQuestion[];
  /** Reported as is ('extractive' or 'model'). Default 'extractive'. */
  mode?: string;
  /** The threshold `ask` decides with (reported, and checked against the curve). */
  threshold?: number;
  /** Thresholds of the curve. Default 0.05 … 0.95 by 0.05. */
  curveThresholds?: readonly number[];
  /** Milliseconds clock for latencies. Default `performance.now`. */
  now?: () => number;
}

/** Result of {@link runEvaluation}. */
export interface EvaluationResult {
  summary: EvalSummary;
  outcomes: QuestionOutcome[];
}

/** Options of {@link summarise}. */
export interface SummariseOptions {
  mode?: string;
  threshold?: number;
  curveThresholds?: readonly number[];
}

const fileName = (s: { sourceId: string; path?: string }) => basename(s.path ?? s.sourceId);

/** Nearest-rank percentile of sorted numbers (0 when empty). */
const percentileOr0 = (sorted: readonly number[], p: number): number => percentile(sorted, p) ?? 0;

/**
 * Words of a reply as a reader counts them: link targets, bare URLs, citation markers ("[2]") and the
 * numbers of numbered steps are not words.
 */
export function countWords(text: string): number {
  const plain = text
    .replace(/\]\([^)\s]*\)/g, ']')
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/\[\d{1,3}\]/g, ' ')
    .replace(/^\s*\d{1,3}[.)]\s/gm, ' ');
  return plain.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}

function groupSummary(outcomes: readonly QuestionOutcome[]): EvalGroupSummary {
  const answerable = outcomes.filter((o) => o.kind === 'answerable');
  const outOfScope = outcomes.filter((o) => o.kind === 'out_of_scope');
  return {
    answerable: answerable.length,
    top1HitRate: rate(answerable.filter((o) => o.hitRank === 1).length, answerable.length),
    top3HitRate: rate(answerable.filter(hitInTop3).length, answerable.length),
    answeredRate: rate(answerable.filter((o) => !o.notCovered).length, answerable.length),
    usefulRate: rate(answerable.filter((o) => o.useful).length, answerable.length),
    outOfScope: outOfScope.length,
    notCoveredRate: rate(outOfScope.filter((o) => o.notCovered).length, outOfScope.length),
  };
}

/** Figures of the scored outcomes grouped by `key` (groups sorted by name, for stable output). */
function groupBy(
  outcomes: readonly QuestionOutcome[],
  key: (o: QuestionOutcome) => string,
): Record<string, EvalGroupSummary> {
  const groups = new Map<string, QuestionOutcome[]>();
  for (const o of outcomes) {
    if (o.kind !== 'answerable' && o.kind !== 'out_of_scope') continue;
    const k = key(o);
    groups.set(k, [...(groups.get(k) ?? []), o]);
  }
  return Object.fromEntries(
    [...groups.keys()].sort().map((k) => [k, groupSummary(groups.get(k) ?? [])] as const),
  );
}

function calibrationByRole(
  outcomes: readonly QuestionOutcome[],
  thresholds: readonly number[],
): Record<string, RoleCalibration> {
  const roles = [...new Set(outcomes.map((x) => x.role ?? 'unknown'))].sort();
  return Object.fromEntries(
    roles.map((role) => {
      const mine = outcomes.filter((x) => (x.role ?? 'unknown') === role);
      // A balance needs both sides: with no out-of-scope (or no answerable) question it means nothing.
      const bothKinds =
        mine.some((x) => x.kind === 'answerable') && mine.some((x) => x.kind === 'out_of_scope');
      const best = (bothKinds ? thresholdCurve(mine, thresholds) : []).reduce<CurvePoint | null>(
        (top, p) => (top === null || p.balanced > top.balanced ? p : top),
        null,
      );
      const calibration: RoleCalibration = {
        ece: reliabilityTable(mine).ece,
        bestThreshold: best?.threshold ?? null,
        bestBalanced: best?.balanced ?? null,
      };
      return [role, calibration] as const;
    }),
  );
}

/** The curve's thresholds, with the one the questions were asked with among them. */
function curveThresholds(o: SummariseOptions): number[] {
  const list = [...(o.curveThresholds ?? DEFAULT_CURVE_THRESHOLDS)];
  if (o.threshold !== undefined && !list.includes(o.threshold)) list.push(o.threshold);
  return list.sort((a, b) => a - b);
}

/**
 * Summarises outcomes. Only answerable and out_of_scope questions are scored (other kinds belong to
 * the handoff and keyword modules) but every kind is counted; latency and answer length cover
 * answerable and out_of_scope.
 */
export function summarise(outcomes: readonly QuestionOutcome[], o: SummariseOptions = {}): EvalSummary {
  const counts: Record<string, number> = {};
  for (const item of outcomes) counts[item.kind] = (counts[item.kind] ?? 0) + 1;
  const scored = outcomes.filter((x) => x.kind === 'answerable' || x.kind === 'out_of_scope');
  const times = scored.map((x) => x.ms).sort((a, b) => a - b);
  const words = scored
    .map((x) => x.answerWords)
    .filter((w): w is number => w !== null)
    .sort((a, b) => a - b);
  return {
    counts,
    ...groupSummary(outcomes),
    p50Ms: round(percentileOr0(times, 50)),
    p95Ms: round(percentileOr0(times, 95)),
    mode: o.mode ?? 'extractive',
    answerWordsP50: percentileOr0(words, 50),
    answerWordsP90: percentileOr0(words, 90),
    byLanguage: groupBy(outcomes, (x) => x.language),
    byRole: groupBy(outcomes, (x) => x.role ?? 'unknown'),
    threshold: o.threshold ?? null,
    thresholdAgreement: o.threshold === undefined ? null : thresholdAgreement(outcomes, o.threshold),
    curve: thresholdCurve(outcomes, curveThresholds(o)),
    reliability: reliabilityTable(outcomes),
    calibrationByRole: calibrationByRole(outcomes, curveThresholds(o)),
  };
}

/**
 * Runs every question through `ask` once (sequentially, so latencies are not contended) and scores
 * it; the curve over the threshold comes from the confidences of this one pass.
 */
export async function runEvaluation(input: RunEvaluationInput): Promise<EvaluationResult> {
  const now = input.now ?? (() => performance.now());
  const outcomes: QuestionOutcome[] = [];
  for (const q of input.questions) {
    const started = now();
    const answer = await input.ask(q);
    const ms = now() - started;
    const top = answer.sources.map(fileName);
    const expected = new Set(q.sources ?? []);
    const rank = top.findIndex((name) => expected.has(name));
    const hitRank = q.kind === 'answerable' && rank >= 0 ? rank + 1 : null;
    const confidence =
      typeof answer.confidence === 'number' && Number.isFinite(answer.confidence) ? answer.confidence : null;
    const outcome: QuestionOutcome = {
      id: q.id,
      kind: q.kind,
      role: q.role ?? null,
      language: detectQuestionLanguage(q.question),
      ms,
      notCovered: answer.notCovered,
      confidence,
      retrieved: top.length > 0,
      hitRank,
      useful: false,
      // What the learner reads at once: the whole section behind "Show the whole section" is not counted.
      answerWords:
        !answer.notCovered && answer.text !== undefined
          ? countWords(splitAnswerText(answer.text).shown)
          : null,
      topSources: top.slice(0, 3),
    };
    outcome.useful = !outcome.notCovered && hitInTop3(outcome);
    outcomes.push(outcome);
  }
  const summary = summarise(outcomes, {
    mode: input.mode,
    threshold: input.threshold,
    curveThresholds: input.curveThresholds,
  });
  return { summary, outcomes };
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
  const questions: EvalQuestion[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let item: Partial<EvalQuestion>;
    try {
      item = JSON.parse(line) as Partial<EvalQuestion>;
    } catch {
      throw new Error(`${file}:${index + 1}: not a JSON object`);
    }
    if (typeof item.id !== 'string' || typeof item.question !== 'string' || typeof item.kind !== 'string')
      throw new Error(`${file}:${index + 1}: needs string fields id, question and kind`);
    questions.push(item as EvalQuestion);
  }
  return questions;
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
