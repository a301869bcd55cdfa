/** Retrieval evidence for one question, gathered by the engine. */
export interface ConfidenceEvidence {
  /** Key terms of the question (analysed) with their idf in the tenant's index. */
  queryTerms: readonly { term: string; idf: number }[];
  /** Key terms found in the best passages (the passages an answer would be built from). */
  matchedTerms: ReadonlySet<string>;
  /** BM25 score of the best passage, and the BM25 k1 it was computed with. */
  topLexicalScore: number;
  k1: number;
  /** Scores of the best and the second-best source (any scale; only their ratio is used). */
  topSourceScore: number;
  secondSourceScore: number;
  /** Cosine of the best passage when vectors were used. */
  topVectorScore?: number;
}

/** Weights and shape of the confidence formula. */
export interface ConfidenceOptions {
  /** Weight of term coverage. Default 0.6. */
  coverageWeight?: number;
  /** Weight of the normalised top BM25 score. Default 0.25. */
  strengthWeight?: number;
  /** Weight of the margin over the next source. Default 0.15. */
  marginWeight?: number;
  /** When a vector score is present, the share of the result it takes. Default 0.3. */
  vectorWeight?: number;
  /** Cosine mapped to 0 and to 1 (embedding models differ in their typical range). Default 0.2 and 0.8. */
  vectorFloor?: number;
  vectorCeiling?: number;
}

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/**
 * Confidence in [0, 1] that the best passages answer the question:
 *
 *   coverage = Σ idf(t) over question terms t found in the best passages / Σ idf(t) over all question terms
 *   strength = topBM25 / (Σ idf(t) · (k1 + 1))       — 1 only if every term saturates in one passage
 *   margin   = (best source − next source) / best source
 *   lexical  = wc·coverage + ws·strength + wm·margin   (weights sum to 1)
 *   result   = lexical, or with vectors (1 − wv)·lexical + wv·rescale(topCosine, floor, ceiling)
 *
 * Coverage is idf-weighted because the words a question is about ("webcam", "cohort") are rare and
 * decisive, while "course" or "use" match everywhere; a word the corpus never uses gets the highest
 * idf, which is what makes off-topic questions ("gym", "parking") score low.
 */
export function retrievalConfidence(evidence: ConfidenceEvidence, options: ConfidenceOptions = {}): number {
  const wc = options.coverageWeight ?? 0.6;
  const ws = options.strengthWeight ?? 0.25;
  const wm = options.marginWeight ?? 0.15;
  const total = wc + ws + wm || 1;
  const idfSum = evidence.queryTerms.reduce((sum, t) => sum + t.idf, 0);
  if (idfSum <= 0) return 0;
  const covered = evidence.queryTerms.reduce(
    (sum, t) => sum + (evidence.matchedTerms.has(t.term) ? t.idf : 0),
    0,
  );
  const coverage = covered / idfSum;
  const strength = clamp01(evidence.topLexicalScore / (idfSum * (evidence.k1 + 1)));
  const margin =
    evidence.topSourceScore > 0
      ? clamp01((evidence.topSourceScore - evidence.secondSourceScore) / evidence.topSourceScore)
      : 0;
  const lexical = (wc * coverage + ws * strength + wm * margin) / total;
  if (evidence.topVectorScore === undefined) return clamp01(lexical);
  const floor = options.vectorFloor ?? 0.2;
  const ceiling = options.vectorCeiling ?? 0.8;
  const vector = clamp01((evidence.topVectorScore - floor) / (ceiling - floor || 1));
  const wv = clamp01(options.vectorWeight ?? 0.3);
  return clamp01((1 - wv) * lexical + wv * vector);
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
