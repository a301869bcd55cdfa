import type { ClusterSettings } from './topic-clustering.js';

/**
 * How topics are made. General values chosen for short support questions, the same for every tenant; not
 * fitted to any evaluation set (docs/features/insights.md reports what they give on the shared sets).
 */
export interface TopicSettings extends ClusterSettings {
  /** Questions of the last this-many days are compared and re-clustered; older ones keep their topics. */
  windowDays: number;
  /** At most this many recent questions per re-clustering run (AGNES is cubic in the count). */
  maxQuestions: number;
  /** Stems of a term centroid kept on the topic. */
  centroidTerms: number;
  /** A question left waiting asks for a re-clustering of its tenant this long after (runs are grouped). */
  reclusterDelayMs: number;
  /** How often the sweep looks for tenants with waiting questions. */
  sweepEveryMs: number;
  /** The chat model's time to name a question's topic before clustering decides instead. */
  labelTimeoutMs: number;
  /** Existing labels shown to the model, most used first. */
  labelChoices: number;
  /** The embedding server's time for one question before TF-IDF is used instead. */
  embedTimeoutMs: number;
  /**
   * Compare questions by their embeddings when an embedding server is configured. Off by default: on
   * the shared evaluation questions the bundled multilingual-e5-small grouped by language and phrasing
   * more than by task (article purity 0.49 against 0.59 for TF-IDF; see "Topics" in docs/features/insights.md).
   */
  useEmbeddings: boolean;
}

export const TOPIC_DEFAULTS: TopicSettings = {
  // Average linkage: groups whose questions are, on average, at cosine similarity 0.2 or more merge.
  cutDistance: 0.8,
  joinSimilarity: 0.3,
  overlapShare: 0.5,
  minTopicSize: 2,
  windowDays: 90,
  maxQuestions: 400,
  centroidTerms: 40,
  reclusterDelayMs: 5 * 60_000,
  sweepEveryMs: 60 * 60_000,
  labelTimeoutMs: 8000,
  labelChoices: 60,
  embedTimeoutMs: 10_000,
  useEmbeddings: false,
};
