import { Types } from 'mongoose';
import type { Priority } from '../conversations/conversation.types.js';
import { TenantModel } from '../tenants/tenant.model.js';
import {
  type BusinessCalendar,
  DEFAULT_REPLY_TARGET_MINUTES,
  replyTarget,
  WeeklyBusinessCalendar,
} from './calendar.js';

/**
 * What handoff code asks of the SLA side: the tenant's calendar and when a reply is due for a priority.
 * The later SLA issue returns policies built from per-institution calendars and SLA rules here; callers
 * only ever see this interface.
 */
export interface ReplyPolicy {
  readonly calendar: BusinessCalendar;
  /** Business minutes the team aims to reply within. */
  targetMinutes(priority: Priority): number;
  /** The instant a reply is due for a thread handed off at `from`. */
  replyBy(priority: Priority, from: Date): Date;
}

/** Looks up a tenant's reply policy. */
export type ReplyPolicyProvider = (tenantId: string) => Promise<ReplyPolicy>;

/** The default policy: Mon–Fri 9:00–17:00 in `timeZone`, default per-priority targets. */
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
 * Reply policies from each tenant's time zone (Tenant.timeZone), cached briefly because a handoff
 * should not cost an extra read and zones change rarely.
 */
export function tenantReplyPolicies(options: { cacheMs?: number } = {}): ReplyPolicyProvider {
  const cacheMs = options.cacheMs ?? 60_000;
  const cache = new Map<string, { policy: ReplyPolicy; expires: number }>();
  return async (tenantId) => {
    const hit = cache.get(tenantId);
    if (hit && hit.expires > Date.now()) return hit.policy;
    const tenant = Types.ObjectId.isValid(tenantId)
      ? await TenantModel.findById(tenantId, { timeZone: 1 }).lean()
      : null;
    const policy = defaultReplyPolicy(tenant?.timeZone ?? 'UTC');
    cache.set(tenantId, { policy, expires: Date.now() + cacheMs });
    return policy;
  };
}
