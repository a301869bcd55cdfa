import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { Types } from 'mongoose';
import type { StoredWeight, Topic, TopicAssignment } from './topic.model.js';
import type { QuestionTerm } from './topic-text.js';
import {
  centredEmbeddings,
  normalise,
  type SparseVector,
  type TermStatistics,
  termStatistics,
  tfidfVector,
} from './topic-vectors.js';

/** The term representation's name; embeddings are `embedding:<model>`. */
export const TFIDF = 'tfidf';
export const embeddingRepresentation = (model: string) => `embedding:${model}`;

/** The ISO week (UTC) of a time, as trends group by it: `2026-W10`. */
export function isoWeek(at: Date): string {
  const d = DateTime.fromJSDate(at, { zone: 'utc' });
  return `${d.weekYear}-W${String(d.weekNumber).padStart(2, '0')}`;
}

/** A stable ObjectId from parts (a topic created by a retried job is the same topic). */
export function derivedId(...parts: string[]): Types.ObjectId {
  return new Types.ObjectId(createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 24));
}

/** The fields of an assignment that comparing questions needs. */
export type CorpusRow = Pick<TopicAssignment, '_id' | 'terms' | 'embedding' | 'topicId' | 'method'>;

export const termsOf = (row: Pick<TopicAssignment, 'terms'>): QuestionTerm[] =>
  row.terms.map((t) => ({ stem: t.s, word: t.w }));

/**
 * The tenant's recent questions as vectors in one representation: the embedding model's (centred on
 * the set, see {@link centredEmbeddings}) when every question has a vector of it, else TF-IDF over these
 * questions (mixing spaces would compare nothing).
 */
export function corpusVectors(
  rows: readonly CorpusRow[],
  embeddingModel: string | null,
): { representation: string; stats: TermStatistics; vectors: Map<string, SparseVector> } {
  const stats = termStatistics(rows.map(termsOf));
  const embedded =
    embeddingModel !== null &&
    rows.length > 0 &&
    rows.every((r) => r.embedding?.model === embeddingModel && r.embedding.vector.length > 0);
  const vectors = embedded
    ? centredEmbeddings(new Map(rows.map((r) => [String(r._id), r.embedding?.vector ?? []])))
    : new Map<string, SparseVector>(rows.map((r) => [String(r._id), tfidfVector(termsOf(r), stats)]));
  return {
    representation: embedded && embeddingModel ? embeddingRepresentation(embeddingModel) : TFIDF,
    stats,
    vectors,
  };
}

export const toStored = (vector: SparseVector): StoredWeight[] => [...vector].map(([k, w]) => ({ k, w }));

/** A topic's stored centroid, or an empty vector when it was made in another representation. */
export function topicCentroid(
  topic: Pick<Topic, 'centroid' | 'representation'>,
  representation: string,
): SparseVector {
  if (topic.representation !== representation) return new Map();
  return normalise(new Map(topic.centroid.map((e) => [e.k, e.w])));
}
