import { model, Schema, type Types } from 'mongoose';

/** Where a topic's label came from: the chat model, or the top terms of its cluster. */
export type TopicLabelSource = 'model' | 'terms';

/** A stored vector entry (a stem, or an embedding dimension as a string). */
export interface StoredWeight {
  k: string;
  w: number;
}

/**
 * What drives handoffs in a tenant, as a stable thing: "password, reset, email". Its `_id` survives
 * re-clustering (clusters are mapped to topics by shared questions and centroid similarity), so counts per
 * week of one topic make a trend. Labels are raw text: whoever renders them escapes them.
 */
export interface Topic {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  label: string;
  /** {@link labelKey} of the label: how a model's answer is matched to an existing topic. */
  labelKey: string;
  labelSource: TopicLabelSource;
  /** The cluster's distinguishing words (surface forms, best first) and their stems. */
  terms: string[];
  stems: string[];
  /**
   * What the topic is about, in the space its questions were compared in: `tfidf` (stems) or
   * `embedding:<model>` (dimensions). A lone question joins the topic whose centroid is nearest.
   */
  representation: string;
  centroid: StoredWeight[];
  /** Questions assigned to it now (all time). */
  memberCount: number;
  createdAt: Date;
  updatedAt: Date;
}

const topicSchema = new Schema<Topic>(
  {
    tenantId: { type: Schema.Types.ObjectId, required: true },
    label: { type: String, required: true, maxlength: 120 },
    labelKey: { type: String, required: true },
    labelSource: { type: String, enum: ['model', 'terms'], required: true },
    terms: { type: [String], default: [] },
    stems: { type: [String], default: [] },
    representation: { type: String, required: true, default: 'tfidf' },
    centroid: { type: [{ _id: false, k: String, w: Number }], default: [] },
    memberCount: { type: Number, required: true, default: 0 },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'topics', versionKey: false },
);
// A tenant's topics (every read is by tenant); a tenant has tens to hundreds, never more than a few thousand.
topicSchema.index({ tenantId: 1, memberCount: -1 });

export const TopicModel = model<Topic>('Topic', topicSchema);

/** Why a question was given a topic. */
export type TopicReason = 'handoff' | 'low_confidence' | 'thumbs_down';
export const TOPIC_REASONS: readonly TopicReason[] = ['handoff', 'low_confidence', 'thumbs_down'];

/** How a question got its topic: the model's label, the nearest topic, or a re-clustering run. */
export type TopicMethod = 'model' | 'nearest' | 'cluster';

/**
 * One question of one thread that needed people or did not satisfy: the row the insights count. Unique
 * per (tenant, conversation, question key), so a handoff, a low-confidence answer and a thumbs-down on
 * the same question make one row with three reasons, and a job that runs twice changes nothing.
 */
export interface TopicAssignment {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  courseId?: Types.ObjectId;
  conversationId: Types.ObjectId;
  /** {@link questionKey} of the question text. */
  questionKey: string;
  /** The learner's message, when it is known (raw text; escaped by whatever renders it). */
  messageId?: Types.ObjectId;
  question: string;
  language: string;
  /** The question's analysed terms (stem and surface word), kept so re-clustering does not re-read threads. */
  terms: { s: string; w: string }[];
  /** The question's embedding, when an embedding server was configured and answered (`model` names it). */
  embedding?: { model: string; vector: number[] };
  reasons: TopicReason[];
  /** `handoff`: the handoff's reason codes (human_request, low_confidence, keyword_rule, …). */
  handoffReasons: string[];
  /** null: waiting for a re-clustering run (no topic was close enough). */
  topicId: Types.ObjectId | null;
  method: TopicMethod | null;
  /** When the question was asked (the first triggering event), and its ISO week (UTC) for trends. */
  at: Date;
  week: string;
  createdAt: Date;
  updatedAt: Date;
}

const assignmentSchema = new Schema<TopicAssignment>(
  {
    tenantId: { type: Schema.Types.ObjectId, required: true },
    courseId: Schema.Types.ObjectId,
    conversationId: { type: Schema.Types.ObjectId, required: true },
    questionKey: { type: String, required: true },
    messageId: Schema.Types.ObjectId,
    question: { type: String, required: true, maxlength: 4000 },
    language: { type: String, required: true },
    terms: { type: [{ _id: false, s: String, w: String }], default: [] },
    embedding: Schema.Types.Mixed,
    reasons: { type: [String], enum: TOPIC_REASONS, default: [] },
    handoffReasons: { type: [String], default: [] },
    topicId: { type: Schema.Types.ObjectId, default: null },
    method: { type: String, enum: ['model', 'nearest', 'cluster', null], default: null },
    at: { type: Date, required: true },
    week: { type: String, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'topic_assignments', versionKey: false },
);
// Idempotency: one row per question of a thread.
assignmentSchema.index({ tenantId: 1, conversationId: 1, questionKey: 1 }, { unique: true });
// Trends and re-clustering: a tenant's questions in a time range (optionally one course).
assignmentSchema.index({ tenantId: 1, at: -1 });
assignmentSchema.index({ tenantId: 1, courseId: 1, at: -1 });
// Member counts of a topic (recounted after re-clustering).
assignmentSchema.index({ tenantId: 1, topicId: 1 });
// The sweep: questions still waiting for a topic, across tenants.
assignmentSchema.index({ topicId: 1, at: -1 });

export const TopicAssignmentModel = model<TopicAssignment>('TopicAssignment', assignmentSchema);
