import type { Priority } from '../conversations/conversation.types.js';
import type { ProductRole } from '../users/user.model.js';
import type { BusinessCalendar } from './calendar.js';
import type { SlaTargetName } from './sla.types.js';

/** Whether a target counts staff hours only or every minute ("urgent: 5 minutes, around the clock"). */
export type SlaClockKind = 'business' | 'calendar';

/** One target of a policy: how long, on which clock. */
export interface SlaTarget {
  minutes: number;
  clock: SlaClockKind;
}

/** What a thread offers for choosing its policy. */
export interface SlaMatch {
  priority: Priority;
  category?: string;
  role?: ProductRole;
  courseId?: string;
  /** Ids of the keyword rules that matched at handoff. */
  keywordRuleIds?: string[];
}

/** The policy chosen for a thread: its name and the targets for the thread's priority. */
export interface ChosenPolicy {
  /** Stable id of the policy (for re-choosing when it changes) and the name admins gave it. */
  id: string;
  name: string;
  targets: Partial<Record<SlaTargetName, SlaTarget>>;
}

/** After a breach: who hears, when, and what happens last. */
export interface EscalationSettings {
  /** Minutes after the breach the team's leads are told (the owner, or the tenant's channels, at once). */
  leadsAfterMinutes: number;
  /** Minutes after the breach the final action runs; `none` stops after the leads. */
  finalAfterMinutes: number;
  finalAction: 'raise_priority' | 'unassign' | 'none';
}

/**
 * A tenant's SLA as every caller sees it: the handoff message ("we'll reply by …"), the inbox's reply-by
 * and the timers all ask this one object, so they never disagree.
 */
export interface TenantSla {
  readonly calendar: BusinessCalendar;
  /** The policy that applies to a thread (the first matching rule, else the default policy). */
  choose(match: SlaMatch): ChosenPolicy;
  /** The instant `target` comes due when its clock starts (or resumes) at `start`. */
  dueAt(target: SlaTarget, start: Date): Date;
  /** The minutes of `target`'s clock left from `now` to `dueAt` (for pausing). */
  remainingMinutes(target: SlaTarget, now: Date, dueAt: Date): number;
  /** Share of a target (0–1) at which the warning fires (default 0.75). */
  readonly warnShare: number;
  /** Clocks pause while the thread waits on the learner (staff replied last). */
  readonly pauseWhileWaitingOnLearner: boolean;
  readonly escalation: EscalationSettings;
  /** The review digest rhythm: sent every `everyBusinessMinutes` of open calendar time, when enabled. */
  readonly digest: { enabled: boolean; everyBusinessMinutes: number };
}

/** Looks up a tenant's SLA (cached; changes are seen within seconds). */
export type TenantSlaProvider = (tenantId: string) => Promise<TenantSla>;
