import type { StoredWeight, TopicLabelSource } from './topic.model.js';
import {
  type ClusterSettings,
  centroidOf,
  clusterItems,
  keepsLabel,
  LABEL_KEEP_WINDOW,
  LABEL_TERMS,
  mapClustersToTopics,
  termsLabel,
  topTerms,
} from './topic-clustering.js';
import {
  type CorpusRow,
  corpusVectors,
  derivedId,
  termsOf,
  topicCentroid,
  toStored,
} from './topic-corpus.js';
import { labelKey } from './topic-text.js';
import { truncate } from './topic-vectors.js';

/** A topic as a re-clustering run reads it. */
export interface PlanTopic {
  id: string;
  label: string;
  labelSource: TopicLabelSource;
  stems: string[];
  representation: string;
  centroid: StoredWeight[];
}

/** A topic a run creates or updates. */
export interface PlannedTopic {
  id: string;
  isNew: boolean;
  label: string;
  labelKey: string;
  labelSource: TopicLabelSource;
  terms: string[];
  stems: string[];
  representation: string;
  centroid: StoredWeight[];
}

/** What one re-clustering run changes: topics to write and questions whose topic changes. */
export interface ReclusterPlan {
  representation: string;
  clusters: number;
  topics: PlannedTopic[];
  /** Assignment id → topic id, only where it changes. */
  moves: Map<string, string>;
  /** Questions still without a topic after the run (alone, and near no topic). */
  waiting: number;
}

/**
 * One re-clustering run, as pure data: clusters the questions that the model did not label, maps the
 * clusters onto existing topics (so ids survive; see {@link mapClustersToTopics}), makes topics of new
 * clusters, and recomputes every touched topic's centroid and label from its questions in the window.
 * A question whose cluster finds no topic keeps the one it had. New topic ids derive from the tenant and
 * the cluster's first question, so a retried run makes the same topics.
 */
export function planRecluster(input: {
  tenantId: string;
  rows: readonly CorpusRow[];
  topics: readonly PlanTopic[];
  settings: ClusterSettings & { centroidTerms: number };
  embeddingModel: string | null;
}): ReclusterPlan {
  const { rows, settings } = input;
  const corpus = corpusVectors(rows, input.embeddingModel);
  const byId = new Map(rows.map((r) => [String(r._id), r]));
  const clusterable = rows.filter((r) => r.method !== 'model');
  const groups = clusterItems(
    clusterable.map((r) => ({ id: String(r._id), vector: corpus.vectors.get(String(r._id)) ?? new Map() })),
    settings.cutDistance,
  );
  const states = input.topics.map((t) => ({
    id: t.id,
    members: clusterable.filter((r) => r.topicId && String(r.topicId) === t.id).map((r) => String(r._id)),
    centroid: topicCentroid(t, corpus.representation),
  }));
  const mapped = mapClustersToTopics(
    groups.map((members) => ({ members, centroid: centroidOf(members, corpus.vectors) })),
    states,
    settings,
  );

  const topicOf = new Map<string, string>();
  for (const r of rows) if (r.topicId) topicOf.set(String(r._id), String(r.topicId));
  const created = new Set<string>();
  for (const cluster of mapped) {
    let topicId = cluster.topicId;
    if (!topicId && cluster.matchedBy === 'new') {
      topicId = String(derivedId(input.tenantId, 'cluster', cluster.members[0] ?? ''));
      created.add(topicId);
    }
    if (!topicId) continue;
    for (const m of cluster.members) topicOf.set(m, topicId);
  }
  const moves = new Map<string, string>();
  for (const [id, topicId] of topicOf) {
    const before = byId.get(id)?.topicId;
    if (!before || String(before) !== topicId) moves.set(id, topicId);
  }

  // Every topic with questions in the window gets its centroid (and, unless kept, its label) from them.
  const membersOf = new Map<string, string[]>();
  for (const [id, topicId] of topicOf) membersOf.set(topicId, [...(membersOf.get(topicId) ?? []), id]);
  const existing = new Map(input.topics.map((t) => [t.id, t]));
  const topics: PlannedTopic[] = [];
  for (const [topicId, members] of [...membersOf].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const current = existing.get(topicId);
    const top = topTerms(
      members.map((m) => termsOf(byId.get(m) as CorpusRow)),
      corpus.stats,
      Math.max(LABEL_TERMS, LABEL_KEEP_WINDOW),
    );
    const keep = current ? keepsLabel(current, top) : false;
    const label = keep && current ? current.label : termsLabel(top) || (current?.label ?? '');
    if (!label) continue;
    const keepTerms = corpus.representation === 'tfidf' ? settings.centroidTerms : Number.POSITIVE_INFINITY;
    topics.push({
      id: topicId,
      isNew: created.has(topicId) && !current,
      label,
      labelKey: labelKey(label),
      labelSource: keep && current ? current.labelSource : 'terms',
      terms: top.slice(0, LABEL_TERMS).map((t) => t.word),
      stems: keep && current ? current.stems : top.slice(0, LABEL_TERMS).map((t) => t.stem),
      representation: corpus.representation,
      centroid: toStored(truncate(centroidOf(members, corpus.vectors), keepTerms)),
    });
  }
  return {
    representation: corpus.representation,
    clusters: groups.length,
    topics,
    moves,
    waiting: rows.filter((r) => !topicOf.has(String(r._id))).length,
  };
}
