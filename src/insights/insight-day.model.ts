import { model, Schema, type Types } from 'mongoose';
import type { StoredScopeSummary } from './day-summary.js';
import type { ThreadFacts } from './thread-facts.js';

/**
 * The threads of one tenant that started on one local day, each as its folded facts (keyed by thread id).
 * Read and written by `_id` only (`<tenant>-<YYYY-MM-DD>`): the dashboard reads one document a day of its
 * range, never a query FerretDB would answer with a scan.
 */
export interface InsightDay {
  _id: string;
  tenantId: Types.ObjectId;
  date: string;
  threads: Record<string, ThreadFacts>;
  updatedAt: Date;
}

const insightDaySchema = new Schema<InsightDay>(
  {
    _id: { type: String, required: true },
    tenantId: { type: Schema.Types.ObjectId, required: true },
    date: { type: String, required: true },
    threads: { type: Schema.Types.Mixed, default: {} },
  },
  {
    collection: 'insight_days',
    timestamps: { createdAt: false, updatedAt: true },
    versionKey: false,
    minimize: false,
  },
);

export const InsightDayModel = model<InsightDay>('InsightDay', insightDaySchema);

export const insightDayId = (tenantId: string, date: string) => `${tenantId}-${date}`;

/**
 * A month of day summaries (see day-summary.ts) for the whole tenant, or for one course: what the
 * dashboard reads, by `_id` (`<tenant>-<YYYY-MM>`, `<tenant>-<course>-<YYYY-MM>`). A year's range is 13
 * small documents; the threads' facts stay in {@link InsightDay}.
 */
export interface InsightMonth {
  _id: string;
  tenantId: Types.ObjectId;
  courseId?: string;
  month: string;
  days: Record<string, StoredScopeSummary>;
  /**
   * Tenant-wide documents: threads per course in the month (the course filter lists the busiest). The
   * per-day counts it is summed from live in a document of their own (`<tenant>-courses-<YYYY-MM>`), which
   * only the projector reads.
   */
  courseTotals?: Record<string, number>;
  courseCounts?: Record<string, Record<string, number>>;
  updatedAt: Date;
}

const insightMonthSchema = new Schema<InsightMonth>(
  {
    _id: { type: String, required: true },
    tenantId: { type: Schema.Types.ObjectId, required: true },
    courseId: String,
    month: { type: String, required: true },
    days: { type: Schema.Types.Mixed, default: {} },
    courseTotals: Schema.Types.Mixed,
    courseCounts: Schema.Types.Mixed,
  },
  {
    collection: 'insight_months',
    timestamps: { createdAt: false, updatedAt: true },
    versionKey: false,
    minimize: false,
  },
);

export const InsightMonthModel = model<InsightMonth>('InsightMonth', insightMonthSchema);

export const insightMonthId = (tenantId: string, month: string, courseId?: string) =>
  courseId ? `${tenantId}-${courseId}-${month}` : `${tenantId}-${month}`;
export const courseCountsId = (tenantId: string, month: string) => `${tenantId}-courses-${month}`;

/** How far each tenant's events have been folded into its days (`_id`: the tenant). */
export interface InsightCheckpoint {
  _id: Types.ObjectId;
  seq: number;
  updatedAt: Date;
}

const insightCheckpointSchema = new Schema<InsightCheckpoint>(
  { seq: { type: Number, required: true, default: 0 } },
  { collection: 'insight_checkpoints', timestamps: { createdAt: false, updatedAt: true }, versionKey: false },
);

export const InsightCheckpointModel = model<InsightCheckpoint>('InsightCheckpoint', insightCheckpointSchema);
