import { model, Schema, type Types } from 'mongoose';
import type { Priority } from '../conversations/conversation.types.js';
import type { ProductRole } from '../users/user.model.js';
import type { SlaTargetName } from './sla.types.js';
import type { EscalationSettings, SlaTarget } from './sla-plan.js';

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
/** Weekdays in ISO order (index + 1 is luxon's weekday number). */
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/**
 * One open stretch of a day in local wall time, "HH:mm". `end` may be "24:00"; an `end` at or before
 * `start` runs past midnight (22:00–02:00) and belongs to the day it starts.
 */
export interface TimeRange {
  start: string;
  end: string;
}

/** Open stretches per weekday; a day left out or empty is closed. */
export type WeeklySchedule = Partial<Record<Weekday, TimeRange[]>>;

/** A holiday or closure: local dates `yyyy-MM-dd`, both included (a single day has start = end). */
export interface Closure {
  name: string;
  start: string;
  end: string;
  /** Where it came from: typed on the page/API, or an .ics import (re-importing replaces those). */
  source: 'manual' | 'ics';
}

/** A stretch of dates with hours of its own (exam weeks) or closed (term breaks). */
export interface AcademicPeriod {
  name: string;
  start: string;
  end: string;
  closed: boolean;
  /** The hours that apply inside the period (ignored when closed). */
  hours: WeeklySchedule;
}

/** Targets per priority, each with its three clocks. */
export type PolicyTargets = Record<Priority, Record<SlaTargetName, SlaTarget>>;

export interface SlaPolicyDefinition {
  /** Stable id (letters, digits, `-`, `_`) so timers can tell when a thread's policy changes. */
  id: string;
  name: string;
  targets: PolicyTargets;
}

/** Conditions of a rule: every non-empty list must contain the thread's value (any of the list). */
export interface SlaRuleConditions {
  priorities: Priority[];
  categories: string[];
  roles: ProductRole[];
  courseIds: string[];
  keywordRuleIds: string[];
}

export interface SlaRule {
  id: string;
  name: string;
  policyId: string;
  when: SlaRuleConditions;
}

export interface DigestSettings {
  enabled: boolean;
  /** The review digest goes out every this many business minutes (only while the calendar is open). */
  everyBusinessMinutes: number;
}

/** A tenant's hours and SLA settings, as the API reads and writes them. */
export interface SlaSettings {
  timeZone: string;
  weeklyHours: WeeklySchedule;
  closures: Closure[];
  academicPeriods: AcademicPeriod[];
  policies: SlaPolicyDefinition[];
  defaultPolicyId: string;
  rules: SlaRule[];
  warnShare: number;
  pauseWhileWaitingOnLearner: boolean;
  escalation: EscalationSettings;
  digest: DigestSettings;
}

/** The stored document: one per tenant, keyed by the tenant id (FerretDB reads `{ _id }` without a scan). */
export interface StoredSlaSettings extends SlaSettings {
  _id: Types.ObjectId;
  /** Increments on every save; timers re-time per version (`sla-retime-<tenant>-<version>`). */
  version: number;
  updatedBy?: string;
  createdAt: Date;
  updatedAt: Date;
}

const slaSettingsSchema = new Schema<StoredSlaSettings>(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    version: { type: Number, required: true },
    timeZone: { type: String, required: true },
    weeklyHours: { type: Schema.Types.Mixed, default: {} },
    closures: { type: Schema.Types.Mixed, default: [] },
    academicPeriods: { type: Schema.Types.Mixed, default: [] },
    policies: { type: Schema.Types.Mixed, default: [] },
    defaultPolicyId: { type: String, required: true },
    rules: { type: Schema.Types.Mixed, default: [] },
    warnShare: { type: Number, required: true },
    pauseWhileWaitingOnLearner: { type: Boolean, required: true },
    escalation: { type: Schema.Types.Mixed, required: true },
    digest: { type: Schema.Types.Mixed, required: true },
    updatedBy: String,
  },
  { collection: 'sla_settings', timestamps: true, versionKey: false, minimize: false },
);

export const SlaSettingsModel = model<StoredSlaSettings>('SlaSettings', slaSettingsSchema);
