import { model, Schema, type Types } from 'mongoose';
import type { HandoffCard } from '../handoff/handoff.types.js';
import type { ProductRole } from '../users/user.model.js';
import type { ConversationStatus, LaunchContext, Priority } from './conversation.types.js';

/** A support thread of one user in one course (or no course). */
export interface Conversation {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  courseId?: Types.ObjectId;
  /** The user as their launch described them when the thread started. */
  user: { userId: Types.ObjectId; role: ProductRole; name?: string; email?: string };
  /** A follow-up address the learner gave in the thread (else the launch email is used). */
  contactEmail?: string;
  status: ConversationStatus;
  priority: Priority;
  category?: string;
  assigneeId?: Types.ObjectId;
  assigneeName?: string;
  teamId?: Types.ObjectId;
  /** The latest handoff's card. */
  handoff?: HandoffCard;
  /**
   * When the learner's latest prospect enquiry was seen (src/leads). Later than the latest handoff, the
   * thread belongs to the Leads list and stays out of the admin inbox (src/inbox/index-doc.ts).
   */
  leadAt?: Date;
  /** When a reply was promised (drives inbox order and, later, SLA timers). */
  replyBy?: Date;
  /**
   * `open:<user>:<course>` while the thread is open, `closed:<id>` once resolved: a unique index on it
   * guarantees at most one open thread per user and course without transactions.
   */
  openKey: string;
  lastMessageAt: Date;
  lastLearnerMessageAt?: Date;
  lowConfidenceStreak: number;
  /** Increases with every status change; claims and transitions are conditional on it. */
  version: number;
  locale: string;
  context: LaunchContext;
  createdAt: Date;
  updatedAt: Date;
  resolvedAt?: Date;
  resolution?: string;
}

const conversationSchema = new Schema<Conversation>(
  {
    tenantId: { type: Schema.Types.ObjectId, required: true },
    courseId: Schema.Types.ObjectId,
    user: {
      userId: { type: Schema.Types.ObjectId, required: true },
      role: { type: String, enum: ['learner', 'instructor', 'admin'], required: true },
      name: String,
      email: String,
    },
    contactEmail: String,
    status: {
      type: String,
      enum: ['bot', 'waiting', 'assigned', 'resolved'],
      required: true,
      default: 'bot',
    },
    priority: { type: String, enum: ['low', 'normal', 'high', 'urgent'], required: true, default: 'normal' },
    category: String,
    assigneeId: Schema.Types.ObjectId,
    assigneeName: String,
    teamId: Schema.Types.ObjectId,
    handoff: Schema.Types.Mixed,
    leadAt: Date,
    replyBy: Date,
    openKey: { type: String, required: true },
    lastMessageAt: { type: Date, required: true },
    lastLearnerMessageAt: Date,
    lowConfidenceStreak: { type: Number, default: 0 },
    version: { type: Number, default: 0 },
    locale: { type: String, default: 'en' },
    context: { type: Schema.Types.Mixed, default: {} },
    resolvedAt: Date,
    resolution: String,
  },
  { collection: 'conversations', timestamps: true, versionKey: false, minimize: false },
);
conversationSchema.index({ tenantId: 1, openKey: 1 }, { unique: true });
// Inbox views: Needs attention / Unassigned / All open, sorted by promised reply time then priority.
conversationSchema.index({ tenantId: 1, status: 1, replyBy: 1, priority: -1, _id: 1 });
// Mine.
conversationSchema.index({ tenantId: 1, assigneeId: 1, status: 1, replyBy: 1 });
// Course-scoped views (instructor inboxes) and filters by category or team.
conversationSchema.index({ tenantId: 1, courseId: 1, status: 1, replyBy: 1 });
conversationSchema.index({ tenantId: 1, category: 1, status: 1 });
conversationSchema.index({ tenantId: 1, teamId: 1, status: 1 });
// A learner's threads (history, reopen window).
conversationSchema.index({ tenantId: 1, 'user.userId': 1, courseId: 1, updatedAt: -1 });

export const ConversationModel = model<Conversation>('Conversation', conversationSchema);
