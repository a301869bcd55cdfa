import { model, Schema, type Types } from 'mongoose';
import type { HandoffReason } from '../handoff/handoff.types.js';
import type { ProductRole } from '../users/user.model.js';
import type { MissSignal } from './labelled-miss.decision.js';

/** A source the bot's answer came from (cited), or the closest ones retrieval found when it declined. */
export interface MissSource {
  sourceId?: string;
  title: string;
  /** File name (or Q&A key) of the source, as the evaluation matches it. */
  path?: string;
  heading?: string;
  /** True when the answer cited it; false for the closest passages of a declined answer. */
  cited: boolean;
}

/** How an admin labelled a miss: the document that answers it, not covered, or not worth keeping. */
export type MissLabel = 'answerable' | 'out_of_scope' | 'dismissed';
export const MISS_LABELS: readonly MissLabel[] = ['answerable', 'out_of_scope', 'dismissed'];

/**
 * A bot answer the learner said did not help, followed by a handoff: a question to review and, once
 * labelled, a question of the tenant's own evaluation set. `_id` is the answer's message id, so a job
 * that runs twice stores one miss per answer (and per thread, since an answer belongs to one thread).
 */
export interface LabelledMiss {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  courseId?: Types.ObjectId;
  conversationId: Types.ObjectId;
  /** The learner's message the answer replied to (raw text; escaped by whatever renders it). */
  question: string;
  /** en, es, pt or fr: the detector that frames answers (unclear text counts as English). */
  language: string;
  askerRole: ProductRole;
  answer: {
    text: string;
    confidence?: number;
    /** The assistant declined ("not covered") rather than answered. */
    notCovered: boolean;
    sources: MissSource[];
    answeredAt: Date;
  };
  signal: MissSignal;
  handoffReasons: HandoffReason[];
  handedOffAt?: Date;
  recordedAt: Date;
  /** null until an admin labels it. */
  label: MissLabel | null;
  /** `answerable`: the document the admin says answers it (file name kept for the evaluation export). */
  labelSource?: { sourceId: string; title: string; path: string } | null;
  labelledAt?: Date | null;
  labelledBy?: { userId: string; name?: string } | null;
  /** When `knowledge.miss_recorded` went out (null: stored, event still to emit; a retry emits it). */
  announcedAt: Date | null;
}

const missSchema = new Schema<LabelledMiss>(
  {
    tenantId: { type: Schema.Types.ObjectId, required: true },
    courseId: Schema.Types.ObjectId,
    conversationId: { type: Schema.Types.ObjectId, required: true },
    question: { type: String, required: true },
    language: { type: String, required: true },
    askerRole: { type: String, enum: ['learner', 'instructor', 'admin'], required: true },
    answer: { type: Schema.Types.Mixed, required: true },
    signal: { type: String, enum: ['thumbs_down', 'asked_for_person'], required: true },
    handoffReasons: { type: Schema.Types.Mixed, default: [] },
    handedOffAt: Date,
    recordedAt: { type: Date, required: true },
    label: { type: String, enum: [...MISS_LABELS, null], default: null },
    labelSource: Schema.Types.Mixed,
    labelledAt: Date,
    labelledBy: Schema.Types.Mixed,
    announcedAt: { type: Date, default: null },
  },
  { collection: 'labelled_misses', versionKey: false },
);
// The review list: a tenant's misses, newest first.
missSchema.index({ tenantId: 1, recordedAt: -1, _id: -1 });
// The unreviewed count and the export (labelled ones).
missSchema.index({ tenantId: 1, label: 1 });

export const LabelledMissModel = model<LabelledMiss>('LabelledMiss', missSchema);
