import { model, Schema, type Types } from 'mongoose';

/**
 * The staff reply that resolved a thread, kept when the thread is resolved (the `gaps.recordReply` job reads
 * the thread's history then, while its Redis copy is fresh), so the gaps read finds it by `_id` (the
 * conversation's id) instead of reading a month-old thread's history (a scan of the messages on FerretDB 1).
 * A reopened thread is marked open until it is resolved again. Text is raw: whoever renders it escapes it.
 */
export interface GapReply {
  /** The conversation's id. */
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  courseId?: string;
  courseTitle?: string;
  /** The learner's last message before the reply (the question it answered), when there was one. */
  question?: string;
  text: string;
  authorName?: string;
  repliedAt: Date;
  resolvedAt: Date;
  /** True between a reopening and the next resolution. */
  open: boolean;
  /** The tenant sequence of the event last applied: an older event's job changes nothing. */
  seq: number;
}

const gapReplySchema = new Schema<GapReply>(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    tenantId: { type: Schema.Types.ObjectId, required: true },
    courseId: String,
    courseTitle: String,
    question: { type: String, maxlength: 4000 },
    text: { type: String, required: true },
    authorName: String,
    repliedAt: { type: Date, required: true },
    resolvedAt: { type: Date, required: true },
    open: { type: Boolean, required: true, default: false },
    seq: { type: Number, required: true },
  },
  { collection: 'gap_replies', versionKey: false },
);

export const GapReplyModel = model<GapReply>('GapReply', gapReplySchema);
