import type { ConfidenceFeatures } from './confidence.service.js';
import type { Answer, AnswerPassage } from './extractive-answer.service.js';
import type { ChunkRecord } from './knowledge.types.js';

/** A passage in an {@link AskResult}. */
export interface PassageResult extends AnswerPassage {
  courseId: string | null;
  /** Fused score (comparable within one result only). */
  score: number;
  lexicalScore?: number;
  vectorScore?: number;
}

/** A document in an {@link AskResult}. */
export interface SourceResult {
  sourceId: string;
  title: string;
  path: string;
  score: number;
}

/** Everything `ask` knows about a question. */
export interface AskResult {
  passages: PassageResult[];
  sources: SourceResult[];
  confidence: number;
  notCovered: boolean;
  answer: Answer;
  mode: 'extractive';
  /** Language the question was analysed in. */
  language: 'en' | 'es';
  /** What the confidence was computed from (for calibration and the eval). */
  features: ConfidenceFeatures;
}

/** An indexed chunk as a passage of a result, with its fused and per-index scores; null if not indexed. */
export function passageResult(
  records: ReadonlyMap<string, ChunkRecord>,
  chunkId: string,
  score: number,
  scores: Record<string, number>,
): PassageResult | null {
  const r = records.get(chunkId);
  if (!r) return null;
  return {
    chunkId,
    sourceId: r.sourceId,
    courseId: r.courseId,
    title: r.title,
    heading: r.heading,
    path: r.path,
    text: r.text,
    ordinal: r.ordinal,
    score,
    lexicalScore: scores.lexical,
    vectorScore: scores.vector,
  };
}
