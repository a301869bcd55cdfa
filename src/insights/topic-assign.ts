import { Types } from 'mongoose';
import type { MessageView } from '../conversations/conversation.views.js';
import { findInTenant } from '../db/by-id.js';
import type { Embedder } from '../knowledge/embeddings.service.js';
import type { Logger } from '../lib/logger.js';
import {
  type Topic,
  type TopicAssignment,
  TopicAssignmentModel,
  TopicModel,
  type TopicReason,
} from './topic.model.js';
import { nearestTopic } from './topic-clustering.js';
import {
  type CorpusRow,
  corpusVectors,
  derivedId,
  embeddingRepresentation,
  isoWeek,
  topicCentroid,
  toStored,
} from './topic-corpus.js';
import type { TopicLabeller } from './topic-labeller.js';
import { findTriggerQuestion, type NoQuestion } from './topic-question.js';
import type { TopicSettings } from './topic-settings.js';
import { analyzeQuestion, labelKey, labelStems, questionKey } from './topic-text.js';

/** One triggering event, as the assignment job carries it. */
export interface AssignTopicInput {
  tenantId: string;
  conversationId: string;
  trigger: TopicReason;
  /** The bot answer rated down or answered with low confidence. */
  messageId?: string;
  /** A handoff's reason codes. */
  handoffReasons?: string[];
  /** ISO time of the event. */
  at: string;
}

/** What topic work needs besides the store. */
export interface TopicDeps {
  settings: TopicSettings;
  /** The chat model's labeller, when one is configured. */
  labeller: TopicLabeller | null;
  /** The embedding server, when one is configured. */
  embedder: Embedder | null;
  /** The tenant's low-confidence threshold (handoff settings). */
  lowConfidenceThreshold: (tenantId: string) => Promise<number>;
  /** A thread's recent messages as learners see them (the conversation service's Redis copy first). */
  recentMessages?: (tenantId: string, conversationId: string) => Promise<readonly MessageView[]>;
  /** Asks for a re-clustering of the tenant soon (grouped with other requests). */
  requestRecluster: (tenantId: string) => Promise<void>;
  /**
   * Runs a write to the tenant's question rows or topics while no other topic job writes them (the
   * re-clustering run holds the same lock). Why: FerretDB 1 does not isolate concurrent updates of one
   * document: a thread's two jobs (its low-confidence answer and its handoff) writing one row at once would
   * lose one's reason, and jobs counting questions on one topic would lose increments.
   */
  exclusive: <T>(tenantId: string, work: () => Promise<T>) => Promise<T>;
  /**
   * Tells the rest of the product a question has its topic (`topic.assigned`, which the insights
   * dashboard folds). Said again when a retried job finds the topic already set: folding is idempotent.
   */
  announce?: (assigned: TopicAnnouncement) => Promise<void>;
  logger?: Logger;
  now?: () => Date;
}

/** A question's topic, as `topic.assigned` carries it. */
export interface TopicAnnouncement {
  tenantId: string;
  conversationId: string;
  courseId?: string;
  assignmentId: string;
  topicId: string;
  question: string;
}

/** Longest question text an announcement carries (the dashboard shows it as an example). */
export const ANNOUNCED_QUESTION_MAX = 300;

/** What one assignment run did. */
export type AssignOutcome =
  | { status: NoQuestion }
  | { status: 'already'; assignmentId: string; topicId: string }
  | { status: 'assigned'; assignmentId: string; topicId: string; method: 'model' | 'nearest' }
  | { status: 'waiting'; assignmentId: string };

const isDuplicateKey = (error: unknown) => (error as { code?: number })?.code === 11000;

/** The question's embedding within the settings' time, or undefined (TF-IDF is used then). */
async function embedQuestion(deps: TopicDeps, text: string): Promise<TopicAssignment['embedding']> {
  if (!deps.embedder) return undefined;
  try {
    const vector = await deps.embedder.embedQuery(text, {
      signal: AbortSignal.timeout(deps.settings.embedTimeoutMs),
    });
    return vector.length ? { model: deps.embedder.model, vector } : undefined;
  } catch (error) {
    deps.logger?.warn({ err: error }, 'question embedding for topics failed; using terms');
    return undefined;
  }
}

/**
 * Gives the question behind a handoff, a low-confidence answer or a thumbs-down a topic. Stores one row
 * per (thread, question), adding the reason when the row exists (idempotent: a retried job changes
 * nothing). A row without a topic gets one from the chat model when configured (an existing label
 * first), else from the nearest topic when similar enough; otherwise it waits for re-clustering.
 */
export async function assignTopic(input: AssignTopicInput, deps: TopicDeps): Promise<AssignOutcome> {
  const outcome = await findTopic(input, deps);
  if ((outcome.status === 'assigned' || outcome.status === 'already') && deps.announce) {
    const row = await findInTenant(TopicAssignmentModel, outcome.assignmentId, input.tenantId, {
      conversationId: 1,
      courseId: 1,
      question: 1,
    });
    if (row)
      await deps.announce({
        tenantId: input.tenantId,
        conversationId: String(row.conversationId),
        ...(row.courseId ? { courseId: String(row.courseId) } : {}),
        assignmentId: outcome.assignmentId,
        topicId: outcome.topicId,
        question: row.question.slice(0, ANNOUNCED_QUESTION_MAX),
      });
  }
  return outcome;
}

async function findTopic(input: AssignTopicInput, deps: TopicDeps): Promise<AssignOutcome> {
  const now = deps.now?.() ?? new Date();
  const { recentMessages } = deps;
  const found = await findTriggerQuestion(
    input,
    () => deps.lowConfidenceThreshold(input.tenantId),
    recentMessages && (() => recentMessages(input.tenantId, input.conversationId)),
  );
  if (typeof found === 'string') return { status: found };

  const key = questionKey(found.text);
  const filter = { tenantId: found.tenantId, conversationId: found.conversationId, questionKey: key };
  let row = await TopicAssignmentModel.findOne(filter).lean<TopicAssignment>();
  if (!row) {
    const analysed = analyzeQuestion(found.text);
    const at = new Date(input.at);
    const fresh = {
      ...filter,
      ...(found.courseId ? { courseId: found.courseId } : {}),
      ...(found.messageId ? { messageId: found.messageId } : {}),
      question: found.text.slice(0, 4000),
      language: analysed.language,
      terms: analysed.terms.map((t) => ({ s: t.stem, w: t.word })),
      embedding: await embedQuestion(deps, found.text),
      reasons: [input.trigger],
      handoffReasons: input.handoffReasons ?? [],
      topicId: null,
      method: null,
      at: Number.isNaN(at.getTime()) ? now : at,
      week: isoWeek(Number.isNaN(at.getTime()) ? now : at),
      createdAt: now,
      updatedAt: now,
    };
    try {
      await TopicAssignmentModel.create(fresh);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    row = await TopicAssignmentModel.findOne(filter).lean<TopicAssignment>();
    if (!row) throw new Error('topic assignment vanished after insert');
  }
  const missingReasons = !row.reasons.includes(input.trigger);
  const missingCodes = (input.handoffReasons ?? []).filter((c) => !row?.handoffReasons.includes(c));
  if (missingReasons || missingCodes.length)
    await deps.exclusive(input.tenantId, () =>
      // By `_id` alone (the row was read within the tenant): FerretDB 1 scans any other filter.
      TopicAssignmentModel.updateOne(
        { _id: row._id },
        {
          $addToSet: { reasons: input.trigger, handoffReasons: { $each: input.handoffReasons ?? [] } },
          $set: { updatedAt: now },
        },
      ),
    );
  const assignmentId = String(row._id);
  if (row.topicId) return { status: 'already', assignmentId, topicId: String(row.topicId) };

  const topics = await TopicModel.find({ tenantId: found.tenantId })
    .sort({ memberCount: -1, _id: 1 })
    .limit(2000)
    .lean<Topic[]>();

  const labelled = await labelByModel(row, topics, deps, now);
  if (labelled) {
    const won = await deps.exclusive(input.tenantId, () => setTopic(row, labelled, 'model', now));
    return { status: 'assigned', assignmentId, topicId: String(won), method: 'model' };
  }

  const since = new Date(now.getTime() - deps.settings.windowDays * 86_400_000);
  const recent = await TopicAssignmentModel.find({ tenantId: found.tenantId, at: { $gte: since } })
    .sort({ at: -1 })
    .limit(deps.settings.maxQuestions)
    .select({ _id: 1, terms: 1, embedding: 1, topicId: 1, method: 1 })
    .lean<CorpusRow[]>();
  if (!recent.some((r) => r._id.equals(row._id))) recent.push(row);
  const corpus = corpusVectors(recent, deps.embedder?.model ?? null);
  const vector = corpus.vectors.get(assignmentId);
  const nearest =
    vector && vector.size > 0
      ? nearestTopic(
          vector,
          topics.map((t) => ({ id: String(t._id), centroid: topicCentroid(t, corpus.representation) })),
          deps.settings.joinSimilarity,
        )
      : null;
  if (nearest) {
    const chosen = new Types.ObjectId(nearest.id);
    const won = await deps.exclusive(input.tenantId, () => setTopic(row, chosen, 'nearest', now));
    return { status: 'assigned', assignmentId, topicId: String(won), method: 'nearest' };
  }
  await deps.requestRecluster(input.tenantId);
  return { status: 'waiting', assignmentId };
}

/**
 * Sets the row's topic if it still has none (a concurrent run may have set one: the first wins) and
 * counts it on the topic. Returns the topic the row ends up with.
 */
async function setTopic(
  row: TopicAssignment,
  topicId: Types.ObjectId,
  method: 'model' | 'nearest',
  now: Date,
): Promise<Types.ObjectId> {
  const result = await TopicAssignmentModel.updateOne(
    { _id: row._id, tenantId: row.tenantId, topicId: null },
    { $set: { topicId, method, updatedAt: now } },
  );
  if (result.modifiedCount === 1) {
    // The topic is the tenant's (chosen from its topics, or made under its id): by `_id` alone.
    await TopicModel.updateOne({ _id: topicId }, { $inc: { memberCount: 1 } });
    return topicId;
  }
  const current = await findInTenant(TopicAssignmentModel, row._id, row.tenantId, { topicId: 1 });
  return current?.topicId ?? topicId;
}

/**
 * The chat model's topic for a question: an existing topic when it picks one of their labels, else a new
 * topic under its label (an id derived from the tenant and label, so two jobs naming the same new topic
 * make one). Null without a model, or when it fails, times out or answers nonsense.
 */
async function labelByModel(
  row: TopicAssignment,
  topics: readonly Topic[],
  deps: TopicDeps,
  now: Date,
): Promise<Types.ObjectId | null> {
  if (!deps.labeller) return null;
  const choices = topics.slice(0, deps.settings.labelChoices);
  let label: string | null;
  try {
    label = await deps.labeller(
      row.question,
      choices.map((t) => t.label),
    );
  } catch (error) {
    deps.logger?.warn(
      { err: error, tenantId: String(row.tenantId) },
      'topic label from the model failed; clustering decides',
    );
    return null;
  }
  if (!label) return null;
  const key = labelKey(label);
  const stems = labelStems(label);
  const existing =
    topics.find((t) => t.labelKey === key) ??
    (stems ? topics.find((t) => labelStems(t.label) === stems) : undefined);
  if (existing) return existing._id;
  const id = derivedId(String(row.tenantId), 'label', key);
  const representation = row.embedding ? embeddingRepresentation(row.embedding.model) : 'tfidf';
  const seed = corpusVectors([row], row.embedding?.model ?? null).vectors.get(String(row._id)) ?? new Map();
  // By `_id` alone (FerretDB 1 scans any other filter): the id derives from the tenant.
  await deps.exclusive(String(row.tenantId), () =>
    TopicModel.updateOne(
      { _id: id },
      {
        $setOnInsert: {
          tenantId: row.tenantId,
          label,
          labelKey: key,
          labelSource: 'model',
          terms: [],
          stems: [],
          representation,
          centroid: toStored(seed),
          memberCount: 0,
          createdAt: now,
        },
        $set: { updatedAt: now },
      },
      { upsert: true },
    ),
  );
  return id;
}
