/**
 * The answer/hand-off trade-off and the calibration of confidence, computed from one pass over the
 * questions: each outcome keeps its confidence, so any threshold can be applied afterwards.
 */

/** What the curve and the reliability table read from a question's outcome. */
export interface ScoredOutcome {
  kind: string;
  /** The pipeline's confidence, or null when it reports none. */
  confidence: number | null;
  /** False when retrieval found nothing: no threshold makes such a question answered. */
  retrieved: boolean;
  /** The decision the pipeline took at the threshold it was asked with. */
  notCovered: boolean;
  /** 1-based rank of the first correct source, or null. */
  hitRank: number | null;
}

/** One point of the curve (rates over answerable, resp. out_of_scope questions). */
export interface CurvePoint {
  threshold: number;
  /** Answerable questions answered. */
  answeredRate: number;
  /** Answerable questions answered with a correct article among the top 3 sources. */
  usefulRate: number;
  /** Out-of-scope questions flagged not covered. */
  notCoveredRate: number;
  /** (usefulRate + notCoveredRate) / 2: declining an answerable question costs as much as answering an out-of-scope one. */
  balanced: number;
}

/** One confidence bin of the reliability table. */
export interface ReliabilityBin {
  /** The bin holds confidences in [from, to) (the last one includes 1). */
  from: number;
  to: number;
  count: number;
  answerable: number;
  outOfScope: number;
  /** Mean confidence of the bin, null when empty. */
  meanConfidence: number | null;
  /**
   * Share that would be right to answer: answerable with a correct article in the top 3 (out-of-scope
   * questions never are). Null when empty.
   */
  correctRate: number | null;
}

/** Reliability table and its expected calibration error (count-weighted |mean confidence − correct rate|). */
export interface Reliability {
  bins: ReliabilityBin[];
  ece: number | null;
}

const SCORED = new Set(['answerable', 'out_of_scope']);

export const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
export const rate = (n: number, d: number) => (d === 0 ? 0 : round(n / d));

/** Thresholds 0.05, 0.10 … 0.95. */
export const DEFAULT_CURVE_THRESHOLDS: readonly number[] = Array.from({ length: 19 }, (_, i) =>
  round((i + 1) * 0.05, 2),
);

/**
 * Whether a question is answered at `threshold`: the pipeline declines below it (the rule of
 * `notCoveredThreshold`). Without a confidence the pipeline's own decision stands at every threshold.
 */
export function answeredAt(o: ScoredOutcome, threshold: number): boolean {
  if (o.confidence === null) return !o.notCovered;
  return o.retrieved && o.confidence >= threshold;
}

/** A correct article among the top 3 sources (answerable questions only). */
export const hitInTop3 = (o: ScoredOutcome) =>
  o.kind === 'answerable' && o.hitRank !== null && o.hitRank <= 3;

/** Answered/not-covered figures at each threshold; empty when the pipeline reports no confidence. */
export function thresholdCurve(
  outcomes: readonly ScoredOutcome[],
  thresholds: readonly number[] = DEFAULT_CURVE_THRESHOLDS,
): CurvePoint[] {
  if (!outcomes.some((o) => SCORED.has(o.kind) && o.confidence !== null)) return [];
  const answerable = outcomes.filter((o) => o.kind === 'answerable');
  const outOfScope = outcomes.filter((o) => o.kind === 'out_of_scope');
  return thresholds.map((threshold) => {
    const usefulRate = rate(
      answerable.filter((o) => answeredAt(o, threshold) && hitInTop3(o)).length,
      answerable.length,
    );
    const notCoveredRate = rate(
      outOfScope.filter((o) => !answeredAt(o, threshold)).length,
      outOfScope.length,
    );
    return {
      threshold,
      answeredRate: rate(answerable.filter((o) => answeredAt(o, threshold)).length, answerable.length),
      usefulRate,
      notCoveredRate,
      balanced: round((usefulRate + notCoveredRate) / 2),
    };
  });
}

/**
 * Share of scored questions whose decision is the one the curve assumes at `threshold` (1 when the
 * pipeline declines exactly below it); null without confidences. Below 1, the pipeline decides on
 * something besides this threshold and the curve is only an estimate.
 */
export function thresholdAgreement(outcomes: readonly ScoredOutcome[], threshold: number): number | null {
  const scored = outcomes.filter((o) => SCORED.has(o.kind) && o.confidence !== null);
  if (scored.length === 0) return null;
  return rate(scored.filter((o) => answeredAt(o, threshold) === !o.notCovered).length, scored.length);
}

/** Confidence in `binCount` equal bins over [0, 1], with how often answering would have been right. */
export function reliabilityTable(outcomes: readonly ScoredOutcome[], binCount = 10): Reliability {
  const bins = Array.from({ length: binCount }, (_, i) => ({
    from: round(i / binCount, 2),
    to: round((i + 1) / binCount, 2),
    items: [] as ScoredOutcome[],
  }));
  for (const o of outcomes) {
    if (!SCORED.has(o.kind) || o.confidence === null) continue;
    const c = Math.min(1, Math.max(0, o.confidence));
    bins[Math.min(binCount - 1, Math.floor(c * binCount))]?.items.push(o);
  }
  const total = bins.reduce((n, b) => n + b.items.length, 0);
  let gap = 0;
  const out = bins.map(({ from, to, items }) => {
    const count = items.length;
    const mean = count === 0 ? null : items.reduce((s, o) => s + (o.confidence ?? 0), 0) / count;
    const correct = count === 0 ? null : items.filter(hitInTop3).length / count;
    if (mean !== null && correct !== null) gap += (count / total) * Math.abs(mean - correct);
    return {
      from,
      to,
      count,
      answerable: items.filter((o) => o.kind === 'answerable').length,
      outOfScope: items.filter((o) => o.kind === 'out_of_scope').length,
      meanConfidence: mean === null ? null : round(mean),
      correctRate: correct === null ? null : round(correct),
    };
  });
  return { bins: out, ece: total === 0 ? null : round(gap) };
}
