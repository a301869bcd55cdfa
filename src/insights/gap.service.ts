import { DateTime } from 'luxon';
import { Types } from 'mongoose';
import type { ConversationService } from '../conversations/conversation.service.js';
import type { MessageView } from '../conversations/conversation.views.js';
import type { KnowledgeService } from '../knowledge/knowledge.service.js';
import { AppError } from '../lib/errors.js';
import { type GapAnswer, GapAnswerModel } from './gap-answer.model.js';
import {
  clip,
  type GapRow,
  groupGaps,
  isGapQuestion,
  learnerQuestionBefore,
  QUESTION_CLIP,
  REPLY_CLIP,
  resolvingReply,
} from './gap-view.js';
import { type Topic, type TopicAssignment, TopicAssignmentModel, TopicModel } from './topic.model.js';

/** Bounds of one gaps read (FerretDB scans: the work stays small whatever the tenant's size). */
export const GAP_LIMITS = {
  /** Newest assignment rows of the range read (one query, tenant first). */
  rows: 5000,
  topics: 20,
  examples: 5,
  /** Resolved threads with their reply shown per topic… */
  threadsPerTopic: 3,
  /** …found among this many of its newest threads… */
  threadsLookedAt: 6,
  /** …and thread reads (conversation + history, by `_id` and the Redis copy) per request in all. */
  threadReads: 60,
};

export interface GapScope {
  tenantId: string;
  courseId?: string;
  /** Local dates (inclusive) in `zone`. */
  from: string;
  to: string;
  zone: string;
}

/** An entry made from a gap, with the later questions it answered. */
export interface GapEntry {
  id: string;
  question: string;
  courseId: string | null;
  conversationId: string;
  topicId: string | null;
  createdAt: Date;
  answered: number;
}

export interface GapThread {
  conversationId: string;
  courseTitle?: string;
  question: string;
  resolvedAt?: Date;
  reply: { text: string; authorName?: string; at: Date };
  entry?: GapEntry;
}

export interface Gap {
  topicId: string | null;
  label: string | null;
  terms: string[];
  count: number;
  examples: { question: string; conversationId: string; at: Date }[];
  threads: GapThread[];
  /** Entries made from this topic's threads (also those whose thread is not among `threads`). */
  entries: GapEntry[];
}

/** What the gaps read needs: the conversation service reads threads by `_id` and their Redis history. */
export interface GapDeps {
  conversations: Pick<ConversationService, 'findForSystem' | 'history'>;
}

const SYSTEM_READER = { userId: 'insights-gaps', role: 'admin' as const };

/** [from 00:00, to + 1 day 00:00) in the tenant's zone. */
export function rangeOf(scope: Pick<GapScope, 'from' | 'to' | 'zone'>): { start: Date; end: Date } {
  const start = DateTime.fromISO(scope.from, { zone: scope.zone }).startOf('day');
  const end = DateTime.fromISO(scope.to, { zone: scope.zone }).startOf('day').plus({ days: 1 });
  return { start: start.toJSDate(), end: end.toJSDate() };
}

/** The tenant's gap entries with their answered counts (a small collection: the entries people made). */
export async function gapEntries(tenantId: string): Promise<GapEntry[]> {
  const rows = await GapAnswerModel.find({ tenantId: new Types.ObjectId(tenantId) })
    .sort({ createdAt: -1 })
    .limit(2000)
    .lean<GapAnswer[]>();
  return rows.map((r) => ({
    id: String(r._id),
    question: r.question,
    courseId: r.courseId ?? null,
    conversationId: String(r.conversationId),
    topicId: r.topicId ? String(r.topicId) : null,
    createdAt: r.createdAt,
    answered: r.answered ?? 0,
  }));
}

/** A resolved thread's history and resolving reply, or null (not the tenant's, not resolved, no reply). */
async function resolvedThread(
  deps: GapDeps,
  tenantId: string,
  conversationId: string,
): Promise<{
  courseId?: string;
  courseTitle?: string;
  resolvedAt?: Date;
  messages: MessageView[];
  reply: MessageView;
} | null> {
  const conversation = await deps.conversations.findForSystem(tenantId, conversationId);
  if (conversation?.status !== 'resolved') return null;
  const messages = await deps.conversations.history({
    tenantId,
    conversationId,
    actor: SYSTEM_READER,
    forLearner: true,
    limit: 200,
  });
  const reply = resolvingReply(messages, conversation.resolvedAt);
  if (!reply) return null;
  return {
    ...(conversation.courseId ? { courseId: String(conversation.courseId) } : {}),
    ...(conversation.context?.courseTitle ? { courseTitle: conversation.context.courseTitle } : {}),
    ...(conversation.resolvedAt ? { resolvedAt: conversation.resolvedAt } : {}),
    messages,
    reply,
  };
}

/**
 * Handed-off and low-confidence questions of a range grouped by topic, busiest first, each with example
 * questions and the staff replies that resolved its threads. One read of the range's assignment rows
 * (tenant first: an index prefix on MongoDB), one of the topics found, one of the tenant's gap entries,
 * then a bounded number of threads read by `_id` (their history from the Redis copy when it has it).
 */
export async function loadGaps(scope: GapScope, deps: GapDeps): Promise<{ gaps: Gap[]; questions: number }> {
  const tenantId = new Types.ObjectId(scope.tenantId);
  const { start, end } = rangeOf(scope);
  const filter: Record<string, unknown> = { tenantId };
  if (scope.courseId) filter.courseId = new Types.ObjectId(scope.courseId);
  filter.at = { $gte: start, $lt: end };
  const rows = await TopicAssignmentModel.find(filter)
    .sort({ at: -1 })
    .limit(GAP_LIMITS.rows)
    .select({ topicId: 1, conversationId: 1, question: 1, reasons: 1, at: 1 })
    .lean<Pick<TopicAssignment, 'topicId' | 'conversationId' | 'question' | 'reasons' | 'at'>[]>();
  const gapRows: GapRow[] = rows
    .filter((r) => isGapQuestion(r.reasons))
    .map((r) => ({
      topicId: r.topicId ? String(r.topicId) : null,
      conversationId: String(r.conversationId),
      question: r.question,
      at: r.at,
    }));
  const groups = groupGaps(gapRows, { maxExamples: GAP_LIMITS.examples }).slice(0, GAP_LIMITS.topics);
  const topicIds = groups.flatMap((g) => (g.topicId ? [new Types.ObjectId(g.topicId)] : []));
  const [topics, entries] = await Promise.all([
    topicIds.length
      ? TopicModel.find({ tenantId, _id: { $in: topicIds } })
          .select({ label: 1, terms: 1 })
          .lean<Pick<Topic, '_id' | 'label' | 'terms'>[]>()
      : Promise.resolve([]),
    gapEntries(scope.tenantId),
  ]);
  const topicById = new Map(topics.map((t) => [String(t._id), t]));
  const entryByThread = new Map<string, GapEntry>();
  for (const e of entries) if (!entryByThread.has(e.conversationId)) entryByThread.set(e.conversationId, e);

  let budget = GAP_LIMITS.threadReads;
  const gaps: Gap[] = [];
  for (const group of groups) {
    const looked = group.threads.slice(0, GAP_LIMITS.threadsLookedAt);
    const take = looked.slice(0, Math.max(0, budget));
    budget -= take.length;
    const read = await Promise.all(
      take.map(async (t) => ({ t, thread: await resolvedThread(deps, scope.tenantId, t.conversationId) })),
    );
    const threads: GapThread[] = [];
    for (const { t, thread } of read) {
      if (!thread || threads.length >= GAP_LIMITS.threadsPerTopic) continue;
      const entry = entryByThread.get(t.conversationId);
      threads.push({
        conversationId: t.conversationId,
        ...(thread.courseTitle ? { courseTitle: thread.courseTitle } : {}),
        question: clip(t.question, QUESTION_CLIP),
        ...(thread.resolvedAt ? { resolvedAt: thread.resolvedAt } : {}),
        reply: {
          text: clip(thread.reply.text, REPLY_CLIP),
          ...(thread.reply.authorName ? { authorName: thread.reply.authorName } : {}),
          at: new Date(thread.reply.createdAt),
        },
        ...(entry ? { entry } : {}),
      });
    }
    const inGroup = new Set(group.threads.map((t) => t.conversationId));
    const topic = group.topicId ? topicById.get(group.topicId) : undefined;
    gaps.push({
      topicId: group.topicId,
      label: topic?.label ?? null,
      terms: topic?.terms.slice(0, 5) ?? [],
      count: group.count,
      examples: group.examples.map((e) => ({ ...e, question: clip(e.question, QUESTION_CLIP) })),
      threads,
      entries: entries.filter(
        (e) => inGroup.has(e.conversationId) || (group.topicId !== null && e.topicId === group.topicId),
      ),
    });
  }
  return { gaps, questions: gapRows.length };
}

/** What the Q&A form starts from: the learner's question and the staff reply that resolved the thread. */
export interface GapDraft {
  conversationId: string;
  courseId?: string;
  courseTitle?: string;
  topicId: string | null;
  question: string;
  answer: string;
  entry?: GapEntry;
}

/**
 * The draft of a Q&A entry from one resolved thread of the tenant (404 when not the tenant's, 409 when not
 * resolved or without a staff reply). The question is the one the topic row kept (the question that was
 * handed off), else the learner's last message before the reply.
 */
export async function draftFromThread(
  input: { tenantId: string; conversationId: string; courseId?: string },
  deps: GapDeps,
): Promise<GapDraft> {
  const conversation = await deps.conversations.findForSystem(input.tenantId, input.conversationId);
  if (!conversation || (input.courseId && String(conversation.courseId ?? '') !== input.courseId))
    throw new AppError('not_found', 'That conversation was not found.');
  if (conversation.status !== 'resolved')
    throw new AppError('conflict', 'Only a resolved conversation can be turned into a Q&A.');
  const thread = await resolvedThread(deps, input.tenantId, input.conversationId);
  if (!thread) throw new AppError('conflict', 'Nobody from staff replied in this conversation.');
  // One row per question of the thread; a thread has a few at most (read by tenant and thread).
  const assigned = await TopicAssignmentModel.findOne({
    tenantId: new Types.ObjectId(input.tenantId),
    conversationId: new Types.ObjectId(input.conversationId),
  })
    .sort({ at: -1 })
    .select({ question: 1, topicId: 1 })
    .lean<Pick<TopicAssignment, 'question' | 'topicId'>>();
  const question =
    assigned?.question ?? learnerQuestionBefore(thread.messages, thread.reply.createdAt)?.text ?? '';
  const entry = (await gapEntries(input.tenantId)).find((e) => e.conversationId === input.conversationId);
  return {
    conversationId: input.conversationId,
    ...(thread.courseId ? { courseId: thread.courseId } : {}),
    ...(thread.courseTitle ? { courseTitle: thread.courseTitle } : {}),
    topicId: assigned?.topicId ? String(assigned.topicId) : null,
    question,
    answer: thread.reply.text,
    ...(entry ? { entry } : {}),
  };
}

/**
 * Turns a resolved thread's staff reply (as the admin edited it) into a knowledge Q&A entry, scoped to the
 * thread's course or the whole institution, and records where it came from. The entry is live (searchable
 * like any Q&A) when this returns. Saving the same question in the same scope again replaces the entry and
 * keeps its first creation time (answers since then still count).
 */
export async function createGapQa(
  input: {
    tenantId: string;
    conversationId: string;
    topicId?: string | null;
    question: string;
    answer: string;
    scope: 'course' | 'institution';
    createdBy: string;
  },
  deps: GapDeps & { knowledge: Pick<KnowledgeService, 'addQa'> },
): Promise<GapEntry> {
  const conversation = await deps.conversations.findForSystem(input.tenantId, input.conversationId);
  if (!conversation) throw new AppError('not_found', 'That conversation was not found.');
  if (conversation.status !== 'resolved')
    throw new AppError('conflict', 'Only a resolved conversation can be turned into a Q&A.');
  const courseId =
    input.scope === 'course' ? (conversation.courseId ? String(conversation.courseId) : null) : null;
  if (input.scope === 'course' && !courseId)
    throw new AppError(
      'bad_request',
      'scope: this conversation has no course; choose the whole institution.',
    );
  let topicId: Types.ObjectId | null = null;
  if (input.topicId) {
    const topic = await TopicModel.findOne({
      _id: new Types.ObjectId(input.topicId),
      tenantId: new Types.ObjectId(input.tenantId),
    })
      .select({ _id: 1 })
      .lean();
    if (!topic) throw new AppError('bad_request', 'topicId: that topic was not found.');
    topicId = topic._id;
  }
  const source = await deps.knowledge.addQa({
    tenantId: input.tenantId,
    courseId,
    question: input.question,
    answer: input.answer,
  });
  const now = new Date();
  const saved = await GapAnswerModel.findOneAndUpdate(
    { _id: new Types.ObjectId(source.id) },
    {
      $setOnInsert: { tenantId: new Types.ObjectId(input.tenantId), createdAt: now, answered: 0 },
      $set: {
        courseId,
        path: source.path,
        conversationId: new Types.ObjectId(input.conversationId),
        topicId,
        question: source.title.slice(0, 1000),
        createdBy: input.createdBy,
        updatedAt: now,
      },
    },
    { upsert: true, returnDocument: 'after' },
  ).lean<GapAnswer>();
  if (!saved) throw new Error('upsert returned nothing');
  return {
    id: String(saved._id),
    question: saved.question,
    courseId: saved.courseId ?? null,
    conversationId: String(saved.conversationId),
    topicId: saved.topicId ? String(saved.topicId) : null,
    createdAt: saved.createdAt,
    answered: saved.answered ?? 0,
  };
}
