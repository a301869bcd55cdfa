import { model, Schema, type Types } from 'mongoose';
import type { Priority } from '../conversations/conversation.types.js';
import { DEFAULT_MESSAGE_MAX_CHARS } from '../conversations/message-limit.js';
import type { ProductRole } from '../users/user.model.js';

/**
 * An "urgent" rule: when every listed condition holds (an empty list means any), the thread gets the
 * rule's priority (urgent by default). Example: instructors, category Access, any course.
 */
export interface UrgentRule {
  name: string;
  roles: ProductRole[];
  categories: string[];
  courseIds: string[];
  priority: Priority;
}

/** How a tenant wants handoffs to behave. Every field has a default (see {@link DEFAULT_HANDOFF_SETTINGS}). */
export interface HandoffSettings {
  /** The learner can ask for a person (button or phrasing). */
  humanRequest: { enabled: boolean };
  lowConfidence: {
    enabled: boolean;
    /** Answers below this confidence (0–1) count as low. */
    confidenceThreshold: number;
    /** Low-confidence answers in a row before handing off, per role. */
    streak: Record<ProductRole, number>;
  };
  keywordRules: { enabled: boolean };
  /** Outside staff hours (or with nobody watching the inbox) handoffs become asynchronous. */
  schedule: { enabled: boolean };
  urgentRules: UrgentRule[];
  /** Days after resolving during which a learner's new message reopens the thread. */
  reopenWindowDays: number;
  /** Messages one user may post per minute. */
  messagesPerMinute: number;
  /** Longest learner message in characters (never above config MESSAGE_MAX_CHARS). */
  maxMessageLength: number;
  /** Seconds since an admin last had the inbox open for them to count as present. */
  staffPresenceSeconds: number;
}

/**
 * Defaults: every trigger on; 1 low answer hands off for instructors, 2 for learners; the learner limit is
 * the product's (`messageMaxChars`, config MESSAGE_MAX_CHARS) unless the tenant sets a lower one.
 */
export const defaultHandoffSettings = (messageMaxChars: number): HandoffSettings => ({
  humanRequest: { enabled: true },
  lowConfidence: { enabled: true, confidenceThreshold: 0.5, streak: { learner: 2, instructor: 1, admin: 1 } },
  keywordRules: { enabled: true },
  schedule: { enabled: true },
  urgentRules: [],
  reopenWindowDays: 7,
  messagesPerMinute: 20,
  maxMessageLength: messageMaxChars,
  staffPresenceSeconds: 90,
});

/** The defaults with config MESSAGE_MAX_CHARS's default limit (evaluations and tests of the rules). */
export const DEFAULT_HANDOFF_SETTINGS: HandoffSettings = defaultHandoffSettings(DEFAULT_MESSAGE_MAX_CHARS);

/** Stored settings of one tenant (collection `handoff_settings`); missing fields fall back to defaults. */
export interface HandoffSettingsRecord {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  settings: Partial<HandoffSettings>;
  updatedAt: Date;
  createdAt: Date;
}

const settingsSchema = new Schema<HandoffSettingsRecord>(
  {
    tenantId: { type: Schema.Types.ObjectId, required: true },
    settings: { type: Schema.Types.Mixed, default: {} },
  },
  { collection: 'handoff_settings', timestamps: true, versionKey: false, minimize: false },
);
settingsSchema.index({ tenantId: 1 }, { unique: true });

export const HandoffSettingsModel = model<HandoffSettingsRecord>('HandoffSettings', settingsSchema);
