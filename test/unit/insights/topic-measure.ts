import {
  type ClusterSettings,
  centroidOf,
  clusterItems,
  mapClustersToTopics,
  termsLabel,
  topTerms,
} from '../../../src/insights/topic-clustering.js';
import { analyzeQuestion, type QuestionTerm } from '../../../src/insights/topic-text.js';
import {
  centredEmbeddings,
  type SparseVector,
  termStatistics,
  tfidfVector,
} from '../../../src/insights/topic-vectors.js';

const OUT_OF_SCOPE = '(out of scope)';

/** A question of an evaluation set: its text and the articles that answer it (none: out of scope). */
export interface MeasuredQuestion {
  id: string;
  question: string;
  sources: readonly string[];
}

/** What clustering a set of questions gave: topic count and how well topics follow source articles. */
export interface TopicMeasure {
  questions: number;
  topics: number;
  clustered: number;
  unassigned: number;
  /** Share of clustered questions whose topic's most common first source is theirs (out of scope counts as its own source). */
  purity: number;
  /** Of question pairs sharing a first source (answerable ones), the share that share a topic. */
  pairRecall: number;
  /** Of question pairs sharing a topic, the share that share a first source. */
  pairPrecision: number;
  labels: { label: string; size: number; sources: Record<string, number> }[];
}

/**
 * Clusters questions as the re-clustering job does (TF-IDF over the set, AGNES average linkage cut at
 * `cutDistance`, clusters of at least `minTopicSize` become topics) and measures the result against the
 * sources the evaluation set names: a tool for reporting, not for tuning on the set.
 */
export function measureTopics(
  questions: readonly MeasuredQuestion[],
  settings: ClusterSettings,
  /** Each question's embedding, to measure the embedding representation instead of TF-IDF. */
  embeddings?: ReadonlyMap<string, readonly number[]>,
): TopicMeasure {
  const analysed = new Map<string, QuestionTerm[]>(
    questions.map((q) => [q.id, analyzeQuestion(q.question).terms]),
  );
  const stats = termStatistics([...analysed.values()]);
  const vectors = embeddings
    ? centredEmbeddings(embeddings)
    : new Map<string, SparseVector>([...analysed].map(([id, terms]) => [id, tfidfVector(terms, stats)]));
  const clusters = clusterItems(
    [...vectors].map(([id, vector]) => ({ id, vector })),
    settings.cutDistance,
  ).map((members) => ({ members, centroid: centroidOf(members, vectors) }));
  const mapped = mapClustersToTopics(clusters, [], settings).filter((c) => c.matchedBy === 'new');
  const source = new Map(questions.map((q) => [q.id, q.sources[0] ?? OUT_OF_SCOPE]));
  const topicOf = new Map<string, number>();
  mapped.forEach((c, i) => {
    for (const m of c.members) topicOf.set(m, i);
  });
  let pure = 0;
  const labels = mapped.map((c) => {
    const sources: Record<string, number> = {};
    for (const m of c.members) sources[source.get(m) ?? ''] = (sources[source.get(m) ?? ''] ?? 0) + 1;
    pure += Math.max(...Object.values(sources));
    const terms = topTerms(
      c.members.map((m) => analysed.get(m) ?? []),
      stats,
      3,
    );
    return { label: termsLabel(terms), size: c.members.length, sources };
  });
  let sameSource = 0;
  let sameSourceSameTopic = 0;
  let sameTopic = 0;
  let sameTopicSameSource = 0;
  const ids = questions.map((q) => q.id);
  for (let i = 0; i < ids.length; i++)
    for (let j = i + 1; j < ids.length; j++) {
      const a = ids[i] as string;
      const b = ids[j] as string;
      // Out-of-scope questions share no article: they count for purity, not as a pair.
      const s = source.get(a) === source.get(b) && source.get(a) !== OUT_OF_SCOPE;
      const t = topicOf.has(a) && topicOf.get(a) === topicOf.get(b);
      if (s) sameSource++;
      if (s && t) sameSourceSameTopic++;
      if (t) sameTopic++;
      if (t && s) sameTopicSameSource++;
    }
  const clustered = topicOf.size;
  return {
    questions: questions.length,
    topics: mapped.length,
    clustered,
    unassigned: questions.length - clustered,
    purity: clustered ? pure / clustered : 0,
    pairRecall: sameSource ? sameSourceSameTopic / sameSource : 0,
    pairPrecision: sameTopic ? sameTopicSameSource / sameTopic : 0,
    labels,
  };
}
