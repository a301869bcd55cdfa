import { DateTime } from 'luxon';
import { Types } from 'mongoose';
import type { ConversationService } from '../conversations/conversation.service.js';
import { findEachInTenant, findInTenant, findKeyedInTenant, TAKEN } from '../db/by-id.js';
import type { KnowledgeService } from '../knowledge/knowledge.service.js';
import { AppError } from '../lib/errors.js';
import { type GapAnswer, GapAnswerModel } from './gap-answer.model.js';
import { type GapReply, GapReplyModel } from './gap-reply.model.js';
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
  /** …and kept replies read by `_id` per request in all… */
  threadReads: 60,
  /** …of which at most this many threads without a kept reply are read live (thread and history). */
  liveReads: 10,
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
  return rows.map(toEntry);
}

function toEntry(r: GapAnswer): GapEntry {
  return {
    id: String(r._id),
    question: r.question,
    courseId: r.courseId ?? null,
    conversationId: String(r.conversationId),
    topicId: r.topicId ? String(r.topicId) : null,
    createdAt: r.createdAt,
    answered: r.answered ?? 0,
  };
}

/** A thread's resolving staff reply, as the gaps show it and the Q&A form starts from. */
export interface ThreadReply {
  courseId?: string;
  courseTitle?: string;
  /** The learner's last message before the reply. */
  question?: string;
  text: string;
  authorName?: string;
  repliedAt: Date;
  resolvedAt: Date;
}

/**
 * Read now: the thread (by `_id`, its Redis copy first) and its history (the Redis copy while it has it);
 * null unless the thread is the tenant's, resolved, with a staff reply.
 */
export async function liveReply(
  deps: GapDeps,
  tenantId: string,
  conversationId: string,
): Promise<ThreadReply | null> {
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
  const question = learnerQuestionBefore(messages, reply.createdAt)?.text;
  return {
    ...(conversation.courseId ? { courseId: String(conversation.courseId) } : {}),
    ...(conversation.context?.courseTitle ? { courseTitle: conversation.context.courseTitle } : {}),
    ...(question ? { question } : {}),
    text: reply.text,
    ...(reply.authorName ? { authorName: reply.authorName } : {}),
    repliedAt: new Date(reply.createdAt),
    resolvedAt: conversation.resolvedAt ?? new Date(reply.createdAt),
  };
}

/**
 * A thread's resolving reply: the one kept when it was resolved (read by `_id`), else (none kept: the
 * thread was reopened, or its job has not run yet) read live while `live.left` allows.
 */
async function threadReply(
  deps: GapDeps,
  tenantId: string,
  conversationId: string,
  live: { left: number },
): Promise<ThreadReply | null> {
  const kept = await findInTenant<GapReply>(GapReplyModel, conversationId, tenantId);
  if (kept && !kept.open) {
    return {
      ...(kept.courseId ? { courseId: kept.courseId } : {}),
      ...(kept.courseTitle ? { courseTitle: kept.courseTitle } : {}),
      ...(kept.question ? { question: kept.question } : {}),
      text: kept.text,
      ...(kept.authorName ? { authorName: kept.authorName } : {}),
      repliedAt: kept.repliedAt,
      resolvedAt: kept.resolvedAt,
    };
  }
  if (live.left <= 0) return null;
  live.left--;
  return liveReply(deps, tenantId, conversationId);
}

/**
 * The `gaps.recordReply` job of a thread's resolution or reopening: keeps the reply that resolved it (read
 * while the thread's Redis copy is fresh), or marks a kept one open. An event older than the one applied
 * last changes nothing; a resolution whose thread was reopened meanwhile keeps nothing (the next one will).
 */
export async function recordGapReply(
  input: { tenantId: string; conversationId: string; seq: number; resolved: boolean },
  deps: GapDeps,
): Promise<boolean> {
  const _id = new Types.ObjectId(input.conversationId);
  const kept = await findKeyedInTenant<GapReply>(GapReplyModel, _id, input.tenantId, { seq: 1 });
  if (kept === TAKEN || (kept && kept.seq >= input.seq)) return false;
  if (!input.resolved) {
    if (kept) await GapReplyModel.updateOne({ _id }, { $set: { open: true, seq: input.seq } });
    return Boolean(kept);
  }
  const reply = await liveReply(deps, input.tenantId, input.conversationId);
  if (!reply) {
    if (kept) await GapReplyModel.deleteOne({ _id });
    return false;
  }
  const doc: GapReply = {
    _id,
    tenantId: new Types.ObjectId(input.tenantId),
    ...reply,
    ...(reply.question ? { question: reply.question.slice(0, 4000) } : {}),
    open: false,
    seq: input.seq,
  };
  await GapReplyModel.replaceOne({ _id }, doc, { upsert: true });
  return true;
}

/**
 * Handed-off and low-confidence questions of a range grouped by topic, busiest first, each with example
 * questions and the staff replies that resolved its threads. One read of the range's assignment rows
 * (tenant first: an index prefix on MongoDB), one of the topics found, one of the tenant's gap entries,
 * then the replies kept at resolution by `_id` (a bounded number; a few threads without one read live).
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
    findEachInTenant(TopicModel, topicIds, tenantId, { label: 1, terms: 1 }),
    gapEntries(scope.tenantId),
  ]);
  const topicById = new Map(topics.flatMap((t) => (t ? [[String(t._id), t] as const] : [])));
  const entryByThread = new Map<string, GapEntry>();
  for (const e of entries) if (!entryByThread.has(e.conversationId)) entryByThread.set(e.conversationId, e);

  // Every topic's candidate threads within the read budget, read at once (by `_id`).
  const live = { left: GAP_LIMITS.liveReads };
  let budget = GAP_LIMITS.threadReads;
  const reads = groups.map((group) => {
    const take = group.threads.slice(0, Math.min(GAP_LIMITS.threadsLookedAt, Math.max(0, budget)));
    budget -= take.length;
    return Promise.all(
      take.map(async (t) => ({ t, reply: await threadReply(deps, scope.tenantId, t.conversationId, live) })),
    );
  });
  const readByGroup = await Promise.all(reads);
  const gaps: Gap[] = [];
  for (const [i, group] of groups.entries()) {
    const threads: GapThread[] = [];
    for (const { t, reply } of readByGroup[i] ?? []) {
      if (!reply || threads.length >= GAP_LIMITS.threadsPerTopic) continue;
      const entry = entryByThread.get(t.conversationId);
      threads.push({
        conversationId: t.conversationId,
        ...(reply.courseTitle ? { courseTitle: reply.courseTitle } : {}),
        question: clip(t.question, QUESTION_CLIP),
        resolvedAt: reply.resolvedAt,
        reply: {
          text: clip(reply.text, REPLY_CLIP),
          ...(reply.authorName ? { authorName: reply.authorName } : {}),
          at: reply.repliedAt,
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
  input: { tenantId: string; conversationId: string },
  deps: GapDeps,
): Promise<GapDraft> {
  const conversation = await deps.conversations.findForSystem(input.tenantId, input.conversationId);
  if (!conversation) throw new AppError('not_found', 'That conversation was not found.');
  if (conversation.status !== 'resolved')
    throw new AppError('conflict', 'Only a resolved conversation can be turned into a Q&A.');
  const thread = await threadReply(deps, input.tenantId, input.conversationId, { left: 1 });
  if (!thread) throw new AppError('conflict', 'Nobody from staff replied in this conversation.');
  // One row per question of the thread; a thread has a few at most (read by tenant and thread).
  const assigned = await TopicAssignmentModel.findOne({
    tenantId: new Types.ObjectId(input.tenantId),
    conversationId: new Types.ObjectId(input.conversationId),
  })
    .sort({ at: -1 })
    .select({ question: 1, topicId: 1 })
    .lean<Pick<TopicAssignment, 'question' | 'topicId'>>();
  const question = assigned?.question ?? thread.question ?? '';
  // The thread's newest entry, not the tenant's whole list.
  const entryRow = await GapAnswerModel.findOne({
    tenantId: new Types.ObjectId(input.tenantId),
    conversationId: new Types.ObjectId(input.conversationId),
  })
    .sort({ createdAt: -1 })
    .lean<GapAnswer>();
  const entry = entryRow ? toEntry(entryRow) : undefined;
  return {
    conversationId: input.conversationId,
    ...(thread.courseId ? { courseId: thread.courseId } : {}),
    ...(thread.courseTitle ? { courseTitle: thread.courseTitle } : {}),
    topicId: assigned?.topicId ? String(assigned.topicId) : null,
    question,
    answer: thread.text,
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
    const topic = await findInTenant<Topic>(TopicModel, input.topicId, input.tenantId, { _id: 1 });
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
  return toEntry(saved);
}
