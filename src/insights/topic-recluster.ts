import { Types } from 'mongoose';
import { findEachInTenant } from '../db/by-id.js';
import { type Topic, TopicAssignmentModel, TopicModel } from './topic.model.js';
import { ANNOUNCED_QUESTION_MAX, type TopicDeps } from './topic-assign.js';
import type { CorpusRow } from './topic-corpus.js';
import { planRecluster } from './topic-plan.js';

/** What a re-clustering run did (the job's result). */
export interface ReclusterOutcome {
  questions: number;
  clusters: number;
  topicsCreated: number;
  topicsUpdated: number;
  moved: number;
  waiting: number;
  representation: string;
}

/**
 * Re-clusters a tenant's recent questions (see {@link planRecluster}) and writes the result: topics
 * upserted by id (a retried run writes the same), then each moved question set to its topic, then the
 * member counts of every topic touched recounted from the rows (so counts stay exact whatever ran before).
 */
export async function reclusterTenant(
  tenantId: string,
  deps: Pick<TopicDeps, 'settings' | 'embedder' | 'now' | 'announce'>,
): Promise<ReclusterOutcome> {
  const now = deps.now?.() ?? new Date();
  const tenant = new Types.ObjectId(tenantId);
  const since = new Date(now.getTime() - deps.settings.windowDays * 86_400_000);
  const rows = await TopicAssignmentModel.find({ tenantId: tenant, at: { $gte: since } })
    .sort({ at: -1 })
    .limit(deps.settings.maxQuestions)
    .select({ _id: 1, terms: 1, embedding: 1, topicId: 1, method: 1 })
    .lean<CorpusRow[]>();
  const topics = await TopicModel.find({ tenantId: tenant })
    .select({ _id: 1, label: 1, labelSource: 1, stems: 1, representation: 1, centroid: 1 })
    .lean<Topic[]>();
  const plan = planRecluster({
    tenantId,
    rows,
    topics: topics.map((t) => ({
      id: String(t._id),
      label: t.label,
      labelSource: t.labelSource,
      stems: t.stems ?? [],
      representation: t.representation,
      centroid: t.centroid ?? [],
    })),
    settings: deps.settings,
    embeddingModel: deps.embedder?.model ?? null,
  });

  // By `_id` alone (FerretDB 1 scans any other filter): the plan's topics are the tenant's, or new ones
  // whose ids derive from the tenant.
  for (const topic of plan.topics)
    await TopicModel.updateOne(
      { _id: new Types.ObjectId(topic.id) },
      {
        $set: {
          label: topic.label,
          labelKey: topic.labelKey,
          labelSource: topic.labelSource,
          terms: topic.terms,
          stems: topic.stems,
          representation: topic.representation,
          centroid: topic.centroid,
          updatedAt: now,
        },
        $setOnInsert: { tenantId: tenant, memberCount: 0, createdAt: now },
      },
      { upsert: true },
    );
  const touched = new Set(plan.topics.map((t) => t.id));
  const previous = new Map(rows.map((r) => [String(r._id), r.topicId ? String(r.topicId) : null]));
  if (plan.moves.size) {
    await TopicAssignmentModel.bulkWrite(
      [...plan.moves].map(([id, topicId]) => ({
        updateOne: {
          // By `_id` alone: the plan's rows were read within the tenant (FerretDB 1 scans other filters).
          filter: { _id: new Types.ObjectId(id) },
          update: {
            $set: { topicId: new Types.ObjectId(topicId), method: 'cluster' as const, updatedAt: now },
          },
        },
      })),
      { ordered: false },
    );
    for (const [id, topicId] of plan.moves) {
      touched.add(topicId);
      const before = previous.get(id);
      if (before) touched.add(before);
    }
    if (deps.announce) await announceMoves(tenantId, plan.moves, deps.announce);
  }
  // Every touched topic recounted in one grouped read (not a count query, a scan on FerretDB, per topic),
  // then written by `_id` (they are the tenant's: planned from its rows and topics).
  const touchedIds = [...touched].map((id) => new Types.ObjectId(id));
  const counts = touchedIds.length
    ? await TopicAssignmentModel.aggregate<{ _id: Types.ObjectId; n: number }>([
        { $match: { tenantId: tenant, topicId: { $in: touchedIds } } },
        { $group: { _id: '$topicId', n: { $sum: 1 } } },
      ])
    : [];
  const countOf = new Map(counts.map((c) => [String(c._id), c.n]));
  for (const topicId of touchedIds)
    await TopicModel.updateOne(
      { _id: topicId },
      { $set: { memberCount: countOf.get(String(topicId)) ?? 0 } },
    );
  return {
    questions: rows.length,
    clusters: plan.clusters,
    topicsCreated: plan.topics.filter((t) => t.isNew).length,
    topicsUpdated: plan.topics.filter((t) => !t.isNew).length,
    moved: plan.moves.size,
    waiting: plan.waiting,
    representation: plan.representation,
  };
}

/** Says each moved question's new topic (`topic.assigned`), read back for its thread and text. */
async function announceMoves(
  tenantId: string,
  moves: ReadonlyMap<string, string>,
  announce: NonNullable<TopicDeps['announce']>,
): Promise<void> {
  const moved = await findEachInTenant(TopicAssignmentModel, [...moves.keys()], tenantId, {
    conversationId: 1,
    courseId: 1,
    question: 1,
  });
  for (const row of moved) {
    const topicId = row && moves.get(String(row._id));
    if (!row || !topicId) continue;
    await announce({
      tenantId,
      conversationId: String(row.conversationId),
      ...(row.courseId ? { courseId: String(row.courseId) } : {}),
      assignmentId: String(row._id),
      topicId,
      question: row.question.slice(0, ANNOUNCED_QUESTION_MAX),
    });
  }
}

/**
 * Tenants with questions still waiting for a topic in the window: what the sweep re-clusters. Reads
 * only waiting rows (an index on topicId and time), never every tenant.
 */
export async function tenantsWithWaitingQuestions(since: Date): Promise<string[]> {
  const ids = await TopicAssignmentModel.distinct('tenantId', { topicId: null, at: { $gte: since } });
  return ids.map(String).sort();
}
