import { model, Schema, type Types } from 'mongoose';

/**
 * A knowledge Q&A entry made from a documentation gap ("Turn into a Q&A" on a resolved thread): where it
 * came from (thread, topic) and which knowledge source it is. Its `_id` is the Q&A source's id, so saving
 * the same question again in the same scope (which replaces the entry) updates this record, never adds one.
 */
export interface GapAnswer {
  /** The knowledge source (kind `qa`) the entry is. */
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  /** null: the whole institution; else the course it is scoped to (a string, as knowledge sources keep it). */
  courseId: string | null;
  /** The source's path (`qa/<hash>`): what the bot's citations name. */
  path: string;
  /** The resolved thread whose staff reply it was made from, and its topic when it had one. */
  conversationId: Types.ObjectId;
  topicId: Types.ObjectId | null;
  /** The question as saved (raw text; escaped by whatever renders it). */
  question: string;
  createdBy: string;
  /** When it was first made: later bot answers that cite it count as questions it answered. */
  createdAt: Date;
  updatedAt: Date;
  /** Later bot answers that cited it (see {@link GapAnswerHit}: each hit's `seq` is its place in this count). */
  answered: number;
}

const gapAnswerSchema = new Schema<GapAnswer>(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    tenantId: { type: Schema.Types.ObjectId, required: true },
    courseId: { type: String, default: null },
    path: { type: String, required: true },
    conversationId: { type: Schema.Types.ObjectId, required: true },
    topicId: { type: Schema.Types.ObjectId, default: null },
    question: { type: String, required: true, maxlength: 1000 },
    createdBy: { type: String, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    answered: { type: Number, required: true, default: 0 },
  },
  { collection: 'gap_answers', versionKey: false },
);
// A tenant's entries (the gaps view and the answered-later job read them by tenant; a tenant makes tens).
gapAnswerSchema.index({ tenantId: 1, path: 1 });

export const GapAnswerModel = model<GapAnswer>('GapAnswer', gapAnswerSchema);

/**
 * One later bot answer that cited a gap's entry. `_id` is `<entry id>-<message id>`: inserting it twice
 * fails on the unique `_id` (which FerretDB enforces), so an answer has one row however often its job runs.
 * `seq` is the entry's count this answer made (set under the entry's lock before the entry's `answered`):
 * a job that stopped between the two writes finds `seq` above `answered` and finishes the count, so every
 * answer counts exactly once with reads and writes by `_id` only.
 */
export interface GapAnswerHit {
  _id: string;
  tenantId: Types.ObjectId;
  gapAnswerId: Types.ObjectId;
  messageId: Types.ObjectId;
  conversationId: Types.ObjectId;
  at: Date;
  seq: number | null;
}

const gapAnswerHitSchema = new Schema<GapAnswerHit>(
  {
    _id: { type: String, required: true },
    tenantId: { type: Schema.Types.ObjectId, required: true },
    gapAnswerId: { type: Schema.Types.ObjectId, required: true },
    messageId: { type: Schema.Types.ObjectId, required: true },
    conversationId: { type: Schema.Types.ObjectId, required: true },
    at: { type: Date, required: true },
    seq: { type: Number, default: null },
  },
  { collection: 'gap_answer_hits', versionKey: false },
);
gapAnswerHitSchema.index({ tenantId: 1, gapAnswerId: 1 });

export const GapAnswerHitModel = model<GapAnswerHit>('GapAnswerHit', gapAnswerHitSchema);

/** The hit row id of one answer citing one entry (no ':' so it could be a job id too). */
export const gapHitId = (gapAnswerId: string, messageId: string) => `${gapAnswerId}-${messageId}`;
