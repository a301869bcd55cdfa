import type { QuestionTerm } from './topic-text.js';

/** A vector keyed by term (TF-IDF) or by dimension (an embedding), L2-normalised by the builders here. */
export type SparseVector = Map<string, number>;

/** Document frequencies of a set of questions: how many questions contain each stem. */
export interface TermStatistics {
  documents: number;
  df: Map<string, number>;
}

/** Counts, per stem, the questions that contain it. */
export function termStatistics(questions: readonly (readonly QuestionTerm[])[]): TermStatistics {
  const df = new Map<string, number>();
  for (const terms of questions)
    for (const stem of new Set(terms.map((t) => t.stem))) df.set(stem, (df.get(stem) ?? 0) + 1);
  return { documents: questions.length, df };
}

/** Smoothed inverse document frequency: a stem every question has still weighs a little (never 0). */
export function idf(stats: TermStatistics, stem: string): number {
  return Math.log((1 + stats.documents) / (1 + (stats.df.get(stem) ?? 0))) + 1;
}

/** Scales a vector to length 1 (an empty or zero vector stays empty). */
export function normalise(vector: SparseVector): SparseVector {
  let sum = 0;
  for (const w of vector.values()) sum += w * w;
  const norm = Math.sqrt(sum);
  if (norm === 0) return new Map();
  const out: SparseVector = new Map();
  for (const [k, w] of vector) out.set(k, w / norm);
  return out;
}

/**
 * A question's TF-IDF vector: sublinear term frequency (a stem said twice is not twice as much topic)
 * times the stem's IDF over the questions it is compared with, normalised so cosine is a dot product.
 */
export function tfidfVector(terms: readonly QuestionTerm[], stats: TermStatistics): SparseVector {
  const counts = new Map<string, number>();
  for (const { stem } of terms) counts.set(stem, (counts.get(stem) ?? 0) + 1);
  const raw: SparseVector = new Map();
  for (const [stem, count] of counts) raw.set(stem, (1 + Math.log(count)) * idf(stats, stem));
  return normalise(raw);
}

/** An embedding as a vector of this module (dimension index as key), normalised. */
export function denseVector(values: readonly number[]): SparseVector {
  return normalise(new Map(values.map((v, i) => [String(i), v])));
}

/** Cosine similarity of two normalised vectors. */
export function cosine(a: SparseVector, b: SparseVector): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [k, w] of small) {
    const other = large.get(k);
    if (other !== undefined) dot += w * other;
  }
  return dot;
}

/** The normalised mean of vectors: what a group of questions is about. */
export function centroid(vectors: readonly SparseVector[]): SparseVector {
  const sum: SparseVector = new Map();
  for (const v of vectors) for (const [k, w] of v) sum.set(k, (sum.get(k) ?? 0) + w);
  return normalise(sum);
}

/**
 * A vector cut to its `keep` heaviest entries (ties by key), renormalised: what a topic stores of its
 * centroid. Embeddings are kept whole (pass Infinity); term vectors lose only their long tail.
 */
export function truncate(vector: SparseVector, keep: number): SparseVector {
  if (vector.size <= keep) return vector;
  const top = [...vector]
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]) || (a[0] < b[0] ? -1 : 1))
    .slice(0, keep);
  return normalise(new Map(top));
}

/**
 * Embeddings of a set of texts, centred on their mean and normalised. Embedding models put every text in
 * a narrow cone (unrelated questions still score 0.7+ with e5), so raw cosine says little; removing what
 * the set shares spreads similarities out around 0 as TF-IDF ones are, whatever the model. With fewer
 * than two texts there is nothing to centre on: they are only normalised.
 */
export function centredEmbeddings(
  embeddings: ReadonlyMap<string, readonly number[]>,
): Map<string, SparseVector> {
  const units = [...embeddings]
    .filter(([, v]) => v.length > 0)
    .map(([id, v]) => {
      let norm = 0;
      for (const x of v) norm += x * x;
      norm = Math.sqrt(norm) || 1;
      return [id, v.map((x) => x / norm)] as const;
    });
  const dims = units.reduce((m, [, v]) => Math.max(m, v.length), 0);
  const mean = new Array<number>(dims).fill(0);
  if (units.length >= 2)
    for (const [, v] of units)
      for (let i = 0; i < v.length; i++) mean[i] = (mean[i] ?? 0) + (v[i] ?? 0) / units.length;
  return new Map(units.map(([id, v]) => [id, denseVector(v.map((x, i) => x - (mean[i] ?? 0)))]));
}
