/**
 * Reads of the topic assignments the jobs wrote (counts per topic and ISO week, a topic's newest questions),
 * for checking the jobs' results; the dashboard itself reads its insight days.
 */
import { DateTime } from 'luxon';
import { Types } from 'mongoose';
import {
  type Topic,
  type TopicAssignment,
  TopicAssignmentModel,
  TopicModel,
} from '../../src/insights/topic.model.js';
import { isoWeek } from '../../src/insights/topic-corpus.js';

/** One topic's counts in a range, per ISO week (UTC), weeks without questions included as 0. */
export interface TopicTrend {
  /** null: questions still waiting for a topic. */
  topicId: string | null;
  label: string | null;
  terms: string[];
  total: number;
  weeks: { week: string; count: number }[];
}

export interface TopicTrends {
  /** Every ISO week the range touches, in order. */
  weeks: string[];
  /** Topics by count in the range (most first); questions without a topic last, if any. */
  topics: TopicTrend[];
  total: number;
}

/** The ISO weeks from `from` to `to` (exclusive end), in order. */
export function weeksBetween(from: Date, to: Date): string[] {
  const weeks: string[] = [];
  let d = DateTime.fromJSDate(from, { zone: 'utc' }).startOf('week');
  const end = DateTime.fromJSDate(to, { zone: 'utc' });
  while (d < end) {
    weeks.push(isoWeek(d.toJSDate()));
    d = d.plus({ weeks: 1 });
  }
  return weeks;
}

/**
 * A tenant's topics in [from, to) (optionally one course), with counts per ISO week for trends. One
 * grouped query on the assignments (tenant first, then course and time: an index prefix), one read of
 * the topics it found; no joins. The weeks are UTC weeks, stored on each row when it was written.
 */
export async function topicTrends(input: {
  tenantId: string;
  courseId?: string;
  from: Date;
  to: Date;
}): Promise<TopicTrends> {
  const tenantId = new Types.ObjectId(input.tenantId);
  const match: Record<string, unknown> = { tenantId };
  if (input.courseId) match.courseId = new Types.ObjectId(input.courseId);
  match.at = { $gte: input.from, $lt: input.to };
  const grouped = await TopicAssignmentModel.aggregate<{
    _id: { topic: Types.ObjectId | null; week: string };
    count: number;
  }>([{ $match: match }, { $group: { _id: { topic: '$topicId', week: '$week' }, count: { $sum: 1 } } }]);
  const ids = [
    ...new Set(
      grouped
        .map((g) => g._id.topic)
        .filter((t): t is Types.ObjectId => t != null)
        .map(String),
    ),
  ];
  const topics = ids.length
    ? await TopicModel.find({ tenantId, _id: { $in: ids.map((id) => new Types.ObjectId(id)) } })
        .select({ _id: 1, label: 1, terms: 1 })
        .lean<Pick<Topic, '_id' | 'label' | 'terms'>[]>()
    : [];
  const topicById = new Map(topics.map((t) => [String(t._id), t]));
  const weeks = weeksBetween(input.from, input.to);
  const trends = new Map<string, TopicTrend>();
  for (const g of grouped) {
    const id = g._id.topic ? String(g._id.topic) : null;
    const key = id ?? '';
    let trend = trends.get(key);
    if (!trend) {
      const topic = id ? topicById.get(id) : undefined;
      trend = {
        topicId: id,
        label: topic?.label ?? null,
        terms: topic?.terms ?? [],
        total: 0,
        weeks: weeks.map((week) => ({ week, count: 0 })),
      };
      trends.set(key, trend);
    }
    trend.total += g.count;
    const slot = trend.weeks.find((w) => w.week === g._id.week);
    if (slot) slot.count += g.count;
  }
  const list = [...trends.values()].sort(
    (a, b) =>
      Number(a.topicId === null) - Number(b.topicId === null) ||
      b.total - a.total ||
      (a.label ?? '').localeCompare(b.label ?? '') ||
      (a.topicId ?? '').localeCompare(b.topicId ?? ''),
  );
  return { weeks, topics: list, total: list.reduce((s, t) => s + t.total, 0) };
}

/** A question of a topic, as a dashboard shows it (raw text: escape when rendering). */
export interface TopicExample {
  conversationId: string;
  courseId?: string;
  question: string;
  reasons: string[];
  at: string;
}

/**
 * The newest questions of one topic in [from, to) (the examples shown beside a spike), read by tenant
 * and topic (indexed), newest first.
 */
export async function topicExamples(input: {
  tenantId: string;
  topicId: string;
  courseId?: string;
  from: Date;
  to: Date;
  limit?: number;
}): Promise<TopicExample[]> {
  if (!Types.ObjectId.isValid(input.topicId)) return [];
  const filter: Record<string, unknown> = {
    tenantId: new Types.ObjectId(input.tenantId),
    topicId: new Types.ObjectId(input.topicId),
    at: { $gte: input.from, $lt: input.to },
  };
  if (input.courseId) filter.courseId = new Types.ObjectId(input.courseId);
  const rows = await TopicAssignmentModel.find(filter)
    .sort({ at: -1, _id: -1 })
    .limit(Math.min(50, Math.max(1, input.limit ?? 5)))
    .select({ conversationId: 1, courseId: 1, question: 1, reasons: 1, at: 1 })
    .lean<Pick<TopicAssignment, 'conversationId' | 'courseId' | 'question' | 'reasons' | 'at'>[]>();
  return rows.map((r) => ({
    conversationId: String(r.conversationId),
    ...(r.courseId ? { courseId: String(r.courseId) } : {}),
    question: r.question,
    reasons: r.reasons,
    at: r.at.toISOString(),
  }));
}
