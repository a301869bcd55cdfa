import { model, Schema, type Types } from 'mongoose';

/** A staff reply as the learner's email shows it (kept with the claim, so sending reads no messages). */
export interface FollowUpReplyRecord {
  id: string;
  author?: string;
  text: string;
  at: string;
}

/** An email claimed but maybe not yet handed to the notifier (the outbox entry). */
export interface PendingFollowUp {
  /** The notification's idempotency key, `followup-<conversation>-<first reply>`: asking again never sends twice. */
  key: string;
  to: string;
  replies: FollowUpReplyRecord[];
  at: Date;
}

/** What one run decided for the replies up to `handledKey`. */
export interface FollowUpChange {
  /** `<ISO time>|<message id>` of the newest reply dealt with: sorts as the replies do. */
  handledKey: string;
  outcome: string;
  pending?: PendingFollowUp;
}

/**
 * What the learner follow-up of one thread has dealt with; `_id` is the conversation id. Every read and
 * write is by `_id` alone (FerretDB scans a collection for any other filter, conditional updates
 * included), and every write is idempotent: `version` and `handledKey` only rise (`$max`), `pending`
 * entries are keyed by their notification key, `sent` is a set. Who moves the record from one version to
 * the next is decided by {@link FollowUpClaimModel}.
 */
export interface FollowUpRecord {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  version: number;
  handledKey?: string;
  /** Outbox: claimed emails not yet confirmed handed to the notifier, by key. */
  pending?: Record<string, PendingFollowUp>;
  /** Keys of the emails handed to the notifier. */
  sent: string[];
  lastOutcome?: string;
  updatedAt: Date;
}

const recordSchema = new Schema<FollowUpRecord>(
  {
    tenantId: { type: Schema.Types.ObjectId, required: true },
    version: { type: Number, required: true, default: 0 },
    handledKey: String,
    pending: { type: Schema.Types.Mixed },
    sent: { type: [String], default: [] },
    lastOutcome: String,
    updatedAt: { type: Date, required: true },
  },
  { collection: 'follow_up_records', versionKey: false, minimize: false },
);

export const FollowUpRecordModel = model<FollowUpRecord>('FollowUpRecord', recordSchema);

/**
 * The move of a thread's record from version N: `_id` `<conversation>-<N>`. Inserting it is the
 * compare-and-set (the unique `_id` lets one run win, and an insert costs the same on any collection
 * size); it carries the change, so a run that lost, or the winner's retry after a crash, applies the same
 * change instead of deciding again.
 */
export interface FollowUpClaim {
  _id: string;
  tenantId: Types.ObjectId;
  change: FollowUpChange;
  at: Date;
}

const claimSchema = new Schema<FollowUpClaim>(
  {
    _id: { type: String, required: true },
    tenantId: { type: Schema.Types.ObjectId, required: true },
    change: { type: Schema.Types.Mixed, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'follow_up_claims', versionKey: false },
);

export const FollowUpClaimModel = model<FollowUpClaim>('FollowUpClaim', claimSchema);
