import type { Audience } from './audience.js';
import type { Bm25Options } from './bm25.index.js';
import type { ChunkingOptions } from './chunking.service.js';
import type { ConfidenceOptions } from './confidence.service.js';
import type { FusionOptions, SourceRankingOptions } from './fusion.service.js';
import type { VocabularyGroup } from './lms-vocabulary.data.js';
import type { VectorIndexOptions } from './vector.index.js';

/** Tuning knobs of the engine; every field has a default. */
export interface KnowledgeEngineOptions {
  chunking?: ChunkingOptions;
  bm25?: Bm25Options;
  vector?: VectorIndexOptions;
  fusion?: FusionOptions;
  sources?: SourceRankingOptions;
  confidence?: ConfidenceOptions;
  /** Below this confidence the question is flagged `notCovered` and no answer is attempted. */
  notCoveredThreshold?: number;
  /** Hits taken from each index before fusion. Default 60. */
  candidatePool?: number;
  /** Passages and sources returned. Defaults 5 and 5. */
  maxPassages?: number;
  maxSources?: number;
  /** How many of the best document's passages count as "the best passages" for coverage. Default 2. */
  evidencePassages?: number;
  /**
   * Whole-document evidence mixed into source ranking: a second BM25 index with one entry per document
   * (title, all its headings, and optionally its full text). Passages find the spot; the document view
   * says which article is *about* the question. Defaults: weight 0.5, includeBody false (titles and
   * headings only: full text repeats what passages already score). `weight` 0 disables it.
   */
  documentLevel?: { weight?: number; includeBody?: boolean; bm25?: Bm25Options };
  /**
   * Weight of title similarity in source ranking: the idf-weighted cosine between the question's terms
   * and the document title's terms. Help articles are titled by the task they explain, and a question
   * naming that task should pick that article over one that merely mentions its words. Default 1.
   */
  titleWeight?: number;
  /**
   * Synonym expansion from an LMS support vocabulary (see lms-vocabulary.data.ts): a question's words
   * also search for their group's other words at `weight` (default 0.5) of an own word. Expansion
   * terms rank; they never count as covering the question in the confidence score. Terms in more
   * than `maxDocumentFraction` of the chunks (default 0.2) are too common to help and are skipped.
   * `groups` replaces the built-in vocabulary; `weight` 0 disables expansion.
   */
  vocabulary?: { weight?: number; groups?: readonly VocabularyGroup[]; maxDocumentFraction?: number };
  /**
   * Added to the ranking score of an article written for the asker's audience (a learner asking, a
   * learners' article), in units of the best article's passage evidence. Default 0.2; 0 disables.
   */
  audienceWeight?: number;
  /**
   * Weight of a derivational match ("create" in the question, "creation" in a title or heading)
   * relative to an exact one, in the title and document-level evidence only. Default 0.75; 0 disables.
   */
  derivationalWeight?: number;
}

/** Per-question options. */
export interface AskOptions {
  /** The launch's course: its documents plus tenant-wide ones are searched. */
  courseId?: string | null;
  /** UI locale for the answer's framing strings ('en', 'es', 'es-MX'…). */
  locale?: string;
  /** Embedding of the question, from the same model as the chunks' embeddings; omit for lexical only. */
  queryEmbedding?: ArrayLike<number>;
  /** The model that embedding came from (chooses its confidence calibration). */
  embeddingModel?: string;
  /** Who is asking: articles written for that audience are preferred (see {@link KnowledgeEngineOptions.audienceWeight}). */
  role?: Audience;
  /** Overrides the engine's `notCoveredThreshold` for this question (a tenant's own setting). */
  notCoveredThreshold?: number;
}

/**
 * Default `notCoveredThreshold`. The confidence is a calibrated probability that answering helps (see
 * confidence.service.ts), so 0.5 is where answering and handing off cost the same when answering an
 * out-of-scope question is as bad as declining an answerable one.
 */
export const DEFAULT_NOT_COVERED_THRESHOLD = 0.5;
