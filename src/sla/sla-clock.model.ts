import { model, Schema, Types } from 'mongoose';
import type { ClockState } from './clock.js';

/**
 * The SLA clocks of one thread, stored with `_id` = the conversation's id (FerretDB answers `{ _id }` from its
 * index). Written only under the thread's SLA lock (see clock-store.ts), by `_id` alone.
 */
export interface SlaClockDoc extends Omit<ClockState, 'conversationId' | 'tenantId'> {
  /** The conversation's id. */
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  /** The earliest timer still to fire (warning, breach or escalation step); absent when none. */
  nextAt?: Date;
  version: number;
  updatedAt: Date;
}

const clockSchema = new Schema<SlaClockDoc>(
  {
    tenantId: { type: Schema.Types.ObjectId, required: true },
    active: { type: Boolean, default: false },
    policyId: String,
    policyName: String,
    priority: { type: String, required: true },
    match: { type: Schema.Types.Mixed, default: {} },
    targets: { type: Schema.Types.Mixed, default: {} },
    lastStaffReplyAt: Date,
    lastLearnerAt: Date,
    startedAt: Date,
    stoppedAt: Date,
    nextAt: Date,
    version: { type: Number, default: 0 },
    updatedAt: { type: Date, default: Date.now },
  },
  { collection: 'sla_clocks', versionKey: false, minimize: false },
);
// The sweep's fallback after Redis lost its pending set, and a tenant's running clocks for retiming.
clockSchema.index({ nextAt: 1, tenantId: 1 });
clockSchema.index({ tenantId: 1, active: 1 });

export const SlaClockModel = model<SlaClockDoc>('SlaClock', clockSchema);

export function clockFromDoc(doc: SlaClockDoc): ClockState {
  return {
    conversationId: String(doc._id),
    tenantId: String(doc.tenantId),
    active: doc.active,
    policyId: doc.policyId,
    policyName: doc.policyName,
    priority: doc.priority,
    match: doc.match ?? { priority: doc.priority },
    targets: doc.targets ?? {},
    lastStaffReplyAt: doc.lastStaffReplyAt,
    lastLearnerAt: doc.lastLearnerAt,
    startedAt: doc.startedAt,
    stoppedAt: doc.stoppedAt,
  };
}

export function docFromClock(state: ClockState, version: number, nextAt?: Date): SlaClockDoc {
  const doc: SlaClockDoc = {
    _id: new Types.ObjectId(state.conversationId),
    tenantId: new Types.ObjectId(state.tenantId),
    active: state.active,
    priority: state.priority,
    match: state.match,
    targets: state.targets,
    version,
    updatedAt: new Date(),
  };
  if (state.policyId) doc.policyId = state.policyId;
  if (state.policyName) doc.policyName = state.policyName;
  if (state.lastStaffReplyAt) doc.lastStaffReplyAt = state.lastStaffReplyAt;
  if (state.lastLearnerAt) doc.lastLearnerAt = state.lastLearnerAt;
  if (state.startedAt) doc.startedAt = state.startedAt;
  if (state.stoppedAt) doc.stoppedAt = state.stoppedAt;
  if (nextAt) doc.nextAt = nextAt;
  return doc;
}
