import { CONFIDENCE_CALIBRATION } from './confidence-calibration.data.js';

/** Retrieval evidence for one question, gathered by the engine. */
export interface ConfidenceEvidence {
  /** Key terms of the question (analysed) with their idf and document frequency in the tenant's index. */
  queryTerms: readonly { term: string; idf: number; df?: number }[];
  /** Key terms found in the best passages (the passages an answer would be built from). */
  matchedTerms: ReadonlySet<string>;
  /** BM25 score of the best passage, and the BM25 k1 it was computed with. */
  topLexicalScore: number;
  k1: number;
  /** Scores of the best and the second-best source (any scale; only their ratio is used). */
  topSourceScore: number;
  secondSourceScore: number;
  /** The best source's title similarity and its share of the best title-and-headings score (0-1). */
  topTitleMatch?: number;
  topDocumentMatch?: number;
  /** The question is in another language than most of the documents (lexical evidence is then weaker). */
  foreign?: boolean;
  /** Cosine of the best passage when vectors were used. */
  topVectorScore?: number;
  /** Cosine of the best passage of the second-best source, when vectors were used. */
  secondVectorScore?: number;
}

/**
 * What the confidence is computed from, each in [0, 1] (the calibration's inputs):
 *
 * - coverage: Σ idf of question terms found in the best passages / Σ idf of all question terms. The words a
 *   question is about ("webcam", "cohort") are rare and decisive, "course" or "use" match everywhere.
 * - strength: top BM25 / (Σ idf · (k1 + 1)), 1 only if every term saturates in one passage.
 * - margin: (best source − next source) / best source, times coverage (a lone weak match leads by default).
 * - unknown: idf share of question terms the corpus never uses ("gym", "parking"): off-topic questions have many.
 * - missing: idf of the rarest question term the best passages lack, over the rarest term's idf: a question
 *   about something specific whose specific word is absent ("spell checker" in an editor article).
 * - title, document: how well the best source's title (times coverage, as margin), and its title and
 *   headings, match the question.
 * - foreign: 1 when the question is in another language than most documents: its words are "unknown" and
 *   "missing" for another reason than being off-topic, and the fit learns how much less that says.
 * - vector / vectorMargin: the best cosine, and its lead over the next source's, with vectors only.
 */
export interface ConfidenceFeatures {
  coverage: number;
  strength: number;
  margin: number;
  unknown: number;
  missing: number;
  title: number;
  document: number;
  foreign?: number;
  vector?: number;
  vectorMargin?: number;
}

/** A logistic model over the features: p = σ(intercept + Σ weight · feature). */
export interface LogisticCalibration {
  intercept: number;
  weights: Partial<Record<keyof ConfidenceFeatures, number>>;
  /**
   * The embedding model's typical cosines of a question's best passage (low and high end, from the
   * development data): `vector` enters as its place in this range and `vectorMargin` in its units, since
   * models differ (multilingual-e5-small puts nearly every cosine between 0.8 and 0.9).
   */
  vectorRange?: [number, number];
}

/**
 * Calibrations fitted on the pooled development questions (see scripts/calibrate.ts): one for lexical
 * retrieval, one per embedding model for hybrid retrieval (cosines differ by model: multilingual-e5-small
 * puts nearly everything between 0.8 and 0.9). A model never fitted gets the lexical one: its vectors
 * rank, but what its cosines mean is not known.
 */
export interface ConfidenceCalibrationSet {
  lexical: LogisticCalibration;
  byModel: Record<string, LogisticCalibration>;
}

export interface ConfidenceOptions {
  /** Replaces the fitted calibrations (tests, experiments). */
  calibration?: ConfidenceCalibrationSet;
  /** The embedding model the vectors came from (chooses the hybrid calibration). */
  embeddingModel?: string;
}

/** The features of a question with no evidence at all (no terms, or nothing indexed). */
export const NO_EVIDENCE: ConfidenceFeatures = {
  coverage: 0,
  strength: 0,
  margin: 0,
  unknown: 1,
  missing: 1,
  title: 0,
  document: 0,
};

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/** The calibration's inputs for one question (see {@link ConfidenceFeatures}). */
export function confidenceFeatures(evidence: ConfidenceEvidence): ConfidenceFeatures {
  const idfSum = evidence.queryTerms.reduce((sum, t) => sum + t.idf, 0);
  if (idfSum <= 0) return NO_EVIDENCE;
  const covered = evidence.queryTerms.reduce(
    (sum, t) => sum + (evidence.matchedTerms.has(t.term) ? t.idf : 0),
    0,
  );
  const unknown = evidence.queryTerms.reduce((sum, t) => sum + (t.df === 0 ? t.idf : 0), 0);
  const maxIdf = Math.max(...evidence.queryTerms.map((t) => t.idf));
  const missing = Math.max(
    0,
    ...evidence.queryTerms.filter((t) => !evidence.matchedTerms.has(t.term)).map((t) => t.idf),
  );
  const coverage = covered / idfSum;
  const features: ConfidenceFeatures = {
    coverage,
    strength: clamp01(evidence.topLexicalScore / (idfSum * (evidence.k1 + 1))),
    // A lead over the next source means something only as far as the question's words were found.
    margin:
      coverage *
      (evidence.topSourceScore > 0
        ? clamp01((evidence.topSourceScore - evidence.secondSourceScore) / evidence.topSourceScore)
        : 0),
    unknown: unknown / idfSum,
    missing: maxIdf > 0 ? missing / maxIdf : 0,
    title: coverage * clamp01(evidence.topTitleMatch ?? 0),
    document: clamp01(evidence.topDocumentMatch ?? 0),
    foreign: evidence.foreign ? 1 : 0,
  };
  if (evidence.topVectorScore !== undefined) {
    features.vector = clamp01(evidence.topVectorScore);
    features.vectorMargin = clamp01(evidence.topVectorScore - (evidence.secondVectorScore ?? 0));
  }
  return features;
}

/** σ(intercept + Σ weight · feature): a probability that answering helps. */
export function applyCalibration(features: ConfidenceFeatures, calibration: LogisticCalibration): number {
  const scaled = scaleVectors(features, calibration.vectorRange);
  let z = calibration.intercept;
  for (const [name, weight] of Object.entries(calibration.weights) as [keyof ConfidenceFeatures, number][])
    z += weight * (scaled[name] ?? 0);
  return 1 / (1 + Math.exp(-z));
}

/** The vector features in the model's own range (see {@link LogisticCalibration.vectorRange}). */
export function scaleVectors(features: ConfidenceFeatures, range?: [number, number]): ConfidenceFeatures {
  if (!range || features.vector === undefined) return features;
  const [low, high] = range;
  const width = high - low || 1;
  return {
    ...features,
    vector: clamp01((features.vector - low) / width),
    vectorMargin: clamp01((features.vectorMargin ?? 0) / width),
  };
}

/** The calibration that applies to a question's features. */
export function calibrationFor(
  features: ConfidenceFeatures,
  options: ConfidenceOptions = {},
): LogisticCalibration {
  const set = options.calibration ?? CONFIDENCE_CALIBRATION;
  if (features.vector === undefined || !options.embeddingModel) return set.lexical;
  return set.byModel[options.embeddingModel] ?? set.lexical;
}

/**
 * Confidence in [0, 1] that the best passages answer the question: the calibrated probability, fitted on
 * labelled questions, that answering gives a correct article (an answerable question whose correct article
 * is among the top 3), as opposed to an out-of-scope question or a wrong article.
 */
export function retrievalConfidence(features: ConfidenceFeatures, options: ConfidenceOptions = {}): number {
  return applyCalibration(features, calibrationFor(features, options));
}

/** Options for {@link combineWithModelJudgement}. */
export interface ModelJudgementOptions {
  /** Share of the model's own judgement in the result. Default 0.5. */
  modelWeight?: number;
}

/**
 * Blends retrieval confidence with a model's self-assessed confidence (when the model gave one):
 * a weighted mean, capped by the retrieval side plus a little, because a model is confidently wrong
 * more often than retrieval evidence is — it may lower confidence freely but raise it only slightly.
 */
export function combineWithModelJudgement(
  retrieval: number,
  model?: number | null,
  options: ModelJudgementOptions = {},
): number {
  const r = clamp01(retrieval);
  if (model === undefined || model === null || !Number.isFinite(model)) return r;
  const w = clamp01(options.modelWeight ?? 0.5);
  const blended = (1 - w) * r + w * clamp01(model);
  return clamp01(Math.min(blended, r + 0.15));
}
