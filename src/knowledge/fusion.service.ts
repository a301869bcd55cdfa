import type { IndexHit } from './knowledge.types.js';

/** One ranking to fuse, e.g. BM25 hits or vector hits. */
export interface RankedList {
  name: string;
  hits: readonly IndexHit[];
  /** Relative weight of this ranking in the fusion; default 1. */
  weight?: number;
}

/** A passage after fusion, with what each ranking said about it. */
export interface FusedPassage {
  chunkId: string;
  /** Fused score (higher is better; comparable only within one query). */
  score: number;
  /** 1-based rank per ranking name; absent when that ranking did not return it. */
  ranks: Record<string, number>;
  /** Raw score per ranking name (BM25 score, cosine). */
  scores: Record<string, number>;
}

/** Options for {@link fuseRankings}. */
export interface FusionOptions {
  /** RRF constant: larger flattens the advantage of top ranks. Default 60 (Cormack et al., 2009). */
  rrfK?: number;
}

/**
 * Reciprocal rank fusion: score = Σ weight / (rrfK + rank). Rank-based, so BM25 scores and cosines
 * need no calibration against each other. With a single ranking there is nothing to reconcile and
 * ranks would throw away how far ahead the leader is, so its scores are kept, scaled to the best = 1.
 */
export function fuseRankings(lists: readonly RankedList[], options: FusionOptions = {}): FusedPassage[] {
  const rrfK = options.rrfK ?? 60;
  const active = lists.filter((l) => l.hits.length > 0);
  const byChunk = new Map<string, FusedPassage>();
  const entry = (chunkId: string) => {
    let p = byChunk.get(chunkId);
    if (!p) {
      p = { chunkId, score: 0, ranks: {}, scores: {} };
      byChunk.set(chunkId, p);
    }
    return p;
  };
  for (const list of active) {
    const weight = list.weight ?? 1;
    const best = list.hits[0]?.score ?? 1;
    list.hits.forEach((hit, i) => {
      const p = entry(hit.chunkId);
      p.ranks[list.name] = i + 1;
      p.scores[list.name] = hit.score;
      p.score += active.length === 1 ? (best > 0 ? hit.score / best : 0) : weight / (rrfK + i + 1);
    });
  }
  return [...byChunk.values()].sort((a, b) => b.score - a.score || a.chunkId.localeCompare(b.chunkId));
}

/** A document ranked by the evidence of its passages. */
export interface RankedSource {
  sourceId: string;
  score: number;
  /** Its passages among the fused ones, best first. */
  passages: FusedPassage[];
}

/** Options for {@link rankSources}. */
export interface SourceRankingOptions {
  /**
   * Weight of a source's 2nd, 3rd… passages relative to the previous one (geometric decay). A document
   * with several matching sections is more likely the right one than one lucky paragraph, but the best
   * passage should dominate. Default 0.3.
   */
  decay?: number;
  /** Passages per source that count. Default 3. */
  maxPassages?: number;
}

/** Aggregates fused passages per source: score = Σ_i decay^i · score(passage_i), i over its best passages. */
export function rankSources(
  passages: readonly FusedPassage[],
  sourceOf: (chunkId: string) => string | undefined,
  options: SourceRankingOptions = {},
): RankedSource[] {
  const decay = options.decay ?? 0.3;
  const maxPassages = options.maxPassages ?? 3;
  const bySource = new Map<string, RankedSource>();
  for (const passage of passages) {
    const sourceId = sourceOf(passage.chunkId);
    if (sourceId === undefined) continue;
    let source = bySource.get(sourceId);
    if (!source) {
      source = { sourceId, score: 0, passages: [] };
      bySource.set(sourceId, source);
    }
    // Passages arrive best first, so the i-th one seen is the source's i-th best.
    if (source.passages.length < maxPassages) source.score += passage.score * decay ** source.passages.length;
    source.passages.push(passage);
  }
  return [...bySource.values()].sort((a, b) => b.score - a.score || a.sourceId.localeCompare(b.sourceId));
}
