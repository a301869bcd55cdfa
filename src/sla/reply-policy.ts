import type { Priority } from '../conversations/conversation.types.js';
import {
  type BusinessCalendar,
  DEFAULT_REPLY_TARGET_MINUTES,
  replyTarget,
  WeeklyBusinessCalendar,
} from './calendar.js';
import type { SlaMatch, TenantSla } from './sla-plan.js';
import type { SlaSettingsStore } from './sla-settings-store.js';
import { DEFAULT_POLICY_TARGETS, tenantSlas } from './tenant-sla.js';

/**
 * What handoff code asks of the SLA side: the tenant's calendar and when a reply is due for a priority.
 * Tenants' policies come from their SLA settings ({@link replyPolicyFromSla}); callers only ever see
 * this interface.
 */
export interface ReplyPolicy {
  readonly calendar: BusinessCalendar;
  /** Minutes the team aims to reply within (the first-response target of the policy `match` chooses). */
  targetMinutes(priority: Priority, match?: Partial<SlaMatch>): number;
  /**
   * The instant a reply is due for a thread handed off at `from`; `match` (category, role, course, keyword
   * rules) lets the tenant's SLA rules choose the policy, as the timers do.
   */
  replyBy(priority: Priority, from: Date, match?: Partial<SlaMatch>): Date;
}

/** Looks up a tenant's reply policy. */
export type ReplyPolicyProvider = (tenantId: string) => Promise<ReplyPolicy>;

/**
 * A fixed policy: Mon–Fri 9:00–17:00 in `timeZone` with the given business-minute targets. Tenants' policies
 * come from {@link tenantReplyPolicies}; this stays for callers that want a calendar without settings.
 */
export function defaultReplyPolicy(
  timeZone: string,
  targets: Readonly<Record<Priority, number>> = DEFAULT_REPLY_TARGET_MINUTES,
): ReplyPolicy {
  let calendar: BusinessCalendar;
  try {
    calendar = new WeeklyBusinessCalendar(timeZone);
  } catch {
    // A tenant with a zone luxon does not know still gets honest (UTC) times rather than an error.
    calendar = new WeeklyBusinessCalendar('UTC');
  }
  return {
    calendar,
    targetMinutes: (priority) => replyTarget(priority, targets),
    replyBy: (priority, from) => calendar.addBusinessMinutes(from, replyTarget(priority, targets)),
  };
}

/**
 * The reply policy of a tenant's SLA: reply-by is the first-response due time of the policy chosen for the
 * thread, so the handoff's "we'll reply by …", the inbox's reply-by and the timers are one calculation.
 */
export function replyPolicyFromSla(sla: TenantSla): ReplyPolicy {
  const target = (priority: Priority, match?: Partial<SlaMatch>) =>
    sla.choose({ ...match, priority }).targets.first_response ??
    DEFAULT_POLICY_TARGETS[priority].first_response;
  return {
    calendar: sla.calendar,
    targetMinutes: (priority, match) => target(priority, match).minutes,
    replyBy: (priority, from, match) => sla.dueAt(target(priority, match), from),
  };
}

/**
 * Reply policies from each tenant's SLA settings (see {@link tenantSlas}: defaults in the tenant's zone
 * until a lead saves hours and policies), cached briefly because a handoff should not cost an extra read.
 */
export function tenantReplyPolicies(options: {
  cacheMs?: number;
  store: SlaSettingsStore;
}): ReplyPolicyProvider {
  const slas = tenantSlas(options);
  return async (tenantId) => replyPolicyFromSla(await slas(tenantId));
}
