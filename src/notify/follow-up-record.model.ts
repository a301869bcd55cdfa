import { model, Schema, type Types } from 'mongoose';

/** A follow-up email whose replies are claimed but whose request may not have reached the notifier yet. */
export interface PendingFollowUp {
  /** The notification's idempotency key: re-asking with it never sends twice. */
  key: string;
  to: string;
  messageIds: string[];
  at: Date;
}

/**
 * What the learner follow-up of one thread has dealt with (`_id` is the conversation id, so every read is
 * by `_id`). Staff replies up to `handledThrough`/`handledId` (by time, then id) were emailed or needed no
 * email (seen, no address, turned off); every change is conditional on `version`, so two jobs never
 * claim the same replies. `pending` is the outbox entry between claiming and handing to the notifier.
 */
export interface FollowUpRecord {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  handledThrough?: Date;
  handledId?: string;
  version: number;
  pending?: PendingFollowUp;
  /** Emails handed to the notifier for this thread. */
  emails: number;
  /** What the last run decided (sent, seen, no_email, opted_out), for support and tests. */
  lastOutcome?: string;
  updatedAt: Date;
}

const recordSchema = new Schema<FollowUpRecord>(
  {
    tenantId: { type: Schema.Types.ObjectId, required: true },
    handledThrough: Date,
    handledId: String,
    version: { type: Number, required: true, default: 0 },
    pending: { type: Schema.Types.Mixed },
    emails: { type: Number, required: true, default: 0 },
    lastOutcome: String,
    updatedAt: { type: Date, required: true },
  },
  { collection: 'follow_up_records', versionKey: false },
);

export const FollowUpRecordModel = model<FollowUpRecord>('FollowUpRecord', recordSchema);
