import { agnes } from 'ml-hclust';
import type { QuestionTerm } from './topic-text.js';
import { centroid, cosine, idf, type SparseVector, type TermStatistics } from './topic-vectors.js';

/** The clustering settings: general values, the same for every tenant (see TOPIC_DEFAULTS). */
export interface ClusterSettings {
  /**
   * Where the dendrogram is cut: questions whose groups are, on average, further apart than this cosine
   * distance stay in separate clusters.
   */
  cutDistance: number;
  /** A question or cluster joins an existing topic whose centroid is at least this similar. */
  joinSimilarity: number;
  /** Share of a cluster's questions (or of a topic's, whichever is smaller) that must overlap to keep the topic's id. */
  overlapShare: number;
  /** Smallest new cluster that becomes a topic (a lone question waits for company). */
  minTopicSize: number;
}

/** A question to cluster: a stable id (its assignment) and its vector. */
export interface ClusterItem {
  id: string;
  vector: SparseVector;
}

/**
 * Agglomerative clustering (ml-hclust AGNES, average linkage) on cosine distance, cut at
 * `cutDistance`. Deterministic: items are ordered by id first, groups come out sorted. Items with an
 * empty vector (no content words) are left out: they cannot be said to be about anything.
 */
export function clusterItems(items: readonly ClusterItem[], cutDistance: number): string[][] {
  const usable = items.filter((i) => i.vector.size > 0).sort((a, b) => (a.id < b.id ? -1 : 1));
  if (usable.length === 0) return [];
  if (usable.length === 1) return [[(usable[0] as ClusterItem).id]];
  const n = usable.length;
  const distances: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const vectors = usable.map((item) => item.vector);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      // Rounded so float noise cannot reorder merges between runs on the same data.
      const d =
        Math.round(Math.max(0, 1 - cosine(vectors[i] as SparseVector, vectors[j] as SparseVector)) * 1e9) /
        1e9;
      (distances[i] as number[])[j] = d;
      (distances[j] as number[])[i] = d;
    }
  const tree = agnes(distances, { method: 'average', isDistanceMatrix: true });
  const groups = tree.cut(cutDistance).map((cluster) =>
    cluster
      .indices()
      .map((i) => (usable[i] as ClusterItem).id)
      .sort(),
  );
  return groups.sort((a, b) => ((a[0] ?? '') < (b[0] ?? '') ? -1 : 1));
}

/** A topic as the mapping sees it: its id, the questions it holds now, and its stored centroid. */
export interface TopicState {
  id: string;
  members: readonly string[];
  centroid: SparseVector;
}

/** A cluster with the topic it continues, or `null` for a new topic (or no topic, when too small). */
export interface MappedCluster {
  members: string[];
  centroid: SparseVector;
  topicId: string | null;
  /** How it was matched: shared questions, centroid similarity, or not at all. */
  matchedBy: 'overlap' | 'centroid' | 'new' | 'none';
}

/**
 * Gives each new cluster the id of the topic it continues, so a topic keeps its identity across runs:
 * first by shared questions (largest overlaps first, one cluster per topic; the overlap must be at least
 * `overlapShare` of the smaller side), then by centroid similarity ≥ `joinSimilarity` for the rest.
 * Clusters left over become new topics when they have `minTopicSize` questions; smaller ones stay
 * unassigned (their questions wait). Ties are broken by ids, so the result does not depend on order.
 */
export function mapClustersToTopics(
  clusters: readonly { members: readonly string[]; centroid: SparseVector }[],
  topics: readonly TopicState[],
  settings: Pick<ClusterSettings, 'joinSimilarity' | 'overlapShare' | 'minTopicSize'>,
): MappedCluster[] {
  const out: MappedCluster[] = clusters.map((c) => ({
    members: [...c.members],
    centroid: c.centroid,
    topicId: null,
    matchedBy: 'none',
  }));
  const memberOf = new Map<string, string>();
  for (const topic of topics) for (const m of topic.members) memberOf.set(m, topic.id);
  const topicSize = new Map(topics.map((t) => [t.id, t.members.length]));

  const pairs: { cluster: number; topic: string; overlap: number; similarity: number }[] = [];
  out.forEach((cluster, index) => {
    const overlaps = new Map<string, number>();
    for (const m of cluster.members) {
      const topic = memberOf.get(m);
      if (topic) overlaps.set(topic, (overlaps.get(topic) ?? 0) + 1);
    }
    for (const [topic, overlap] of overlaps) {
      const smaller = Math.min(cluster.members.length, topicSize.get(topic) ?? 0);
      if (overlap >= settings.overlapShare * smaller) {
        const state = topics.find((t) => t.id === topic);
        pairs.push({
          cluster: index,
          topic,
          overlap,
          similarity: state ? cosine(state.centroid, cluster.centroid) : 0,
        });
      }
    }
  });
  const taken = new Set<string>();
  const byStrength = (a: (typeof pairs)[number], b: (typeof pairs)[number]) =>
    b.overlap - a.overlap ||
    b.similarity - a.similarity ||
    a.cluster - b.cluster ||
    (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0);
  for (const pair of pairs.sort(byStrength)) {
    const cluster = out[pair.cluster] as MappedCluster;
    if (cluster.topicId || taken.has(pair.topic)) continue;
    cluster.topicId = pair.topic;
    cluster.matchedBy = 'overlap';
    taken.add(pair.topic);
  }

  // Clusters of questions the topics have not seen (a new week's questions) continue a topic by meaning.
  const similar: { cluster: number; topic: string; overlap: number; similarity: number }[] = [];
  out.forEach((cluster, index) => {
    if (cluster.topicId) return;
    for (const topic of topics) {
      if (taken.has(topic.id)) continue;
      const similarity = cosine(topic.centroid, cluster.centroid);
      if (similarity >= settings.joinSimilarity)
        similar.push({ cluster: index, topic: topic.id, overlap: 0, similarity });
    }
  });
  for (const pair of similar.sort(byStrength)) {
    const cluster = out[pair.cluster] as MappedCluster;
    if (cluster.topicId || taken.has(pair.topic)) continue;
    cluster.topicId = pair.topic;
    cluster.matchedBy = 'centroid';
    taken.add(pair.topic);
  }
  for (const cluster of out)
    if (!cluster.topicId && cluster.members.length >= settings.minTopicSize) cluster.matchedBy = 'new';
  return out;
}

/** The topic a lone question belongs to: the most similar centroid at or above `joinSimilarity`, if any. */
export function nearestTopic(
  vector: SparseVector,
  topics: readonly { id: string; centroid: SparseVector }[],
  joinSimilarity: number,
): { id: string; similarity: number } | null {
  let best: { id: string; similarity: number } | null = null;
  for (const topic of topics) {
    const similarity = cosine(vector, topic.centroid);
    if (similarity < joinSimilarity) continue;
    if (!best || similarity > best.similarity || (similarity === best.similarity && topic.id < best.id))
      best = { id: topic.id, similarity };
  }
  return best;
}

/** Centroid of some of the items (by id). */
export function centroidOf(ids: readonly string[], vectors: ReadonlyMap<string, SparseVector>): SparseVector {
  return centroid(ids.map((id) => vectors.get(id)).filter((v): v is SparseVector => v !== undefined));
}

/** A term that describes a cluster: its stem, the word learners used most for it, and its score. */
export interface TopTerm {
  stem: string;
  word: string;
  score: number;
}

/**
 * The terms that tell a cluster apart: share of its questions containing the stem × the stem's IDF over
 * all the tenant's questions (common to the cluster, rare elsewhere). Each stem is shown as the word its
 * questions used most ("passwords"/"password" → the more frequent; ties alphabetical).
 */
export function topTerms(
  questions: readonly (readonly QuestionTerm[])[],
  stats: TermStatistics,
  count: number,
): TopTerm[] {
  const present = new Map<string, number>();
  const words = new Map<string, Map<string, number>>();
  for (const terms of questions) {
    for (const stem of new Set(terms.map((t) => t.stem))) present.set(stem, (present.get(stem) ?? 0) + 1);
    for (const { stem, word } of terms) {
      const forms = words.get(stem) ?? new Map<string, number>();
      forms.set(word, (forms.get(word) ?? 0) + 1);
      words.set(stem, forms);
    }
  }
  const size = Math.max(1, questions.length);
  return [...present]
    .map(([stem, n]) => ({ stem, score: (n / size) * idf(stats, stem) }))
    .sort((a, b) => b.score - a.score || (a.stem < b.stem ? -1 : a.stem > b.stem ? 1 : 0))
    .slice(0, count)
    .map(({ stem, score }) => {
      const forms = [...(words.get(stem) ?? new Map<string, number>())].sort(
        (a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
      );
      return { stem, word: forms[0]?.[0] ?? stem, score };
    });
}

/** How many top terms make a label. */
export const LABEL_TERMS = 3;
/** A kept label's terms must all still be among this many top terms of its cluster. */
export const LABEL_KEEP_WINDOW = 6;

/** A label from top terms: "password, reset, email". */
export const termsLabel = (terms: readonly TopTerm[]) =>
  terms
    .slice(0, LABEL_TERMS)
    .map((t) => t.word)
    .join(', ');

/**
 * Whether a topic keeps its label after a run: model labels are kept; a terms label is kept while each
 * of its stems is still among the cluster's top {@link LABEL_KEEP_WINDOW} terms (the cluster did not
 * really change), so labels do not flicker when a question or two arrive.
 */
export function keepsLabel(
  current: { labelSource: 'terms' | 'model'; stems: readonly string[] },
  top: readonly TopTerm[],
): boolean {
  if (current.labelSource === 'model') return true;
  if (current.stems.length === 0) return false;
  const window = new Set(top.slice(0, LABEL_KEEP_WINDOW).map((t) => t.stem));
  return current.stems.every((s) => window.has(s));
}
