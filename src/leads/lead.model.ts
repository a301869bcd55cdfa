import { model, Schema, type Types } from 'mongoose';

/** Where a prospect's enquiry stands in the chat: asked for details, gave them, or said no thanks. */
export type LeadStage = 'asked' | 'captured' | 'declined';

/** What sales does with a captured lead (the Leads page). */
export type LeadStatus = 'new' | 'contacted' | 'qualified' | 'closed';
export const LEAD_STATUSES: readonly LeadStatus[] = ['new', 'contacted', 'qualified', 'closed'];

/** The details a prospect typed into the capture card. */
export interface LeadContact {
  name: string;
  /** Lower-cased. */
  email: string;
  /** The address is at a free-mail provider (gmail.com…): accepted, but sales sees the flag. */
  freeMail: boolean;
  organisation: string;
  role?: string;
  interest?: string;
}

/** A staff note on a lead. */
export interface LeadNote {
  id: string;
  authorId: string;
  authorName?: string;
  text: string;
  at: Date;
}

/**
 * A prospect's enquiry in the chat: one per thread, `_id` the conversation's id (so asking, capturing
 * and resubmitting all land on the same document, read by `_id`). Listed on the Leads page from the
 * start; `stage` says whether the prospect left details (`captured`), has the card (`asked`) or declined it.
 */
export interface Lead {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  courseId?: Types.ObjectId;
  conversationId: Types.ObjectId;
  /** The learner (LMS user) who wrote. */
  userId: Types.ObjectId;
  /** The message the detector saw as a prospect's enquiry, and its id. */
  message: string;
  messageId?: string;
  /** The thread's language when asked (the card and the bot's lines use it). */
  locale?: string;
  /** What the detector saw, and how sure it was. */
  signals: string[];
  score: number;
  stage: LeadStage;
  askedAt: Date;
  declinedAt?: Date;
  contact?: LeadContact;
  /** The consent sentence exactly as the learner ticked it, and when. */
  consent?: { text: string; at: Date };
  capturedAt?: Date;
  status: LeadStatus;
  owner?: { userId: string; name?: string };
  notes: LeadNote[];
  /** Bumped on every staff change (status, owner, note): a stale edit is refused. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

const leadSchema = new Schema<Lead>(
  {
    tenantId: { type: Schema.Types.ObjectId, required: true },
    courseId: Schema.Types.ObjectId,
    conversationId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    message: { type: String, required: true, maxlength: 20_000 },
    messageId: String,
    locale: String,
    signals: { type: [String], default: [] },
    score: { type: Number, default: 0 },
    stage: { type: String, enum: ['asked', 'captured', 'declined'], required: true },
    askedAt: { type: Date, required: true },
    declinedAt: Date,
    contact: {
      type: new Schema<LeadContact>(
        {
          name: { type: String, required: true },
          email: { type: String, required: true },
          freeMail: { type: Boolean, default: false },
          organisation: { type: String, required: true },
          role: String,
          interest: String,
        },
        { _id: false },
      ),
      default: undefined,
    },
    consent: {
      type: new Schema(
        { text: { type: String, required: true }, at: { type: Date, required: true } },
        { _id: false },
      ),
      default: undefined,
    },
    capturedAt: Date,
    status: { type: String, enum: ['new', 'contacted', 'qualified', 'closed'], default: 'new' },
    owner: {
      type: new Schema({ userId: { type: String, required: true }, name: String }, { _id: false }),
      default: undefined,
    },
    notes: {
      type: [
        new Schema(
          {
            id: { type: String, required: true },
            authorId: { type: String, required: true },
            authorName: String,
            text: { type: String, required: true },
            at: { type: Date, required: true },
          },
          { _id: false },
        ),
      ],
      default: [],
    },
    version: { type: Number, default: 0 },
  },
  { collection: 'leads', timestamps: true, versionKey: false },
);
// The Leads page: a tenant's captured leads, newest first.
leadSchema.index({ tenantId: 1, stage: 1, capturedAt: -1 });

export const LeadModel = model<Lead>('Lead', leadSchema);
