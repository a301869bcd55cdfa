import type { OpenPeriod, WeeklyHours } from './calendar.js';
import { type CalendarRules, ScheduledBusinessCalendar } from './calendar-schedule.js';
import type { ChosenPolicy, SlaMatch, SlaTarget, TenantSla, TenantSlaProvider } from './sla-plan.js';
import {
  type PolicyTargets,
  type SlaPolicyDefinition,
  type SlaRule,
  type SlaSettings,
  type StoredSlaSettings,
  type TimeRange,
  WEEKDAYS,
  type WeeklySchedule,
} from './sla-settings.model.js';
import type { SlaSettingsStore } from './sla-settings-store.js';

/**
 * "Business days" are stored as business minutes: one business day is 8 business hours (480 minutes),
 * whatever a given day's hours are, so "2 business days" is 960 business minutes. The page offers days as
 * a unit and converts.
 */
export const BUSINESS_DAY_MINUTES = 8 * 60;

const calendarMinutes = (minutes: number): SlaTarget => ({ minutes, clock: 'calendar' });
const businessMinutes = (minutes: number): SlaTarget => ({ minutes, clock: 'business' });
const businessHours = (hours: number) => businessMinutes(hours * 60);
const businessDays = (days: number) => businessMinutes(days * BUSINESS_DAY_MINUTES);

/**
 * Default targets. First response: urgent 5 minutes around the clock, high 1 business
 * hour, normal 4 business hours, low 2 business days. Next response mirrors it a step looser for urgent and
 * high (a conversation under way keeps moving), resolution allows for the work itself.
 */
export const DEFAULT_POLICY_TARGETS: PolicyTargets = {
  urgent: {
    first_response: calendarMinutes(5),
    next_response: calendarMinutes(15),
    resolution: calendarMinutes(4 * 60),
  },
  high: { first_response: businessHours(1), next_response: businessHours(2), resolution: businessDays(1) },
  normal: { first_response: businessHours(4), next_response: businessHours(4), resolution: businessDays(2) },
  low: { first_response: businessDays(2), next_response: businessDays(2), resolution: businessDays(5) },
};

const DEFAULT_POLICY_ID = 'default';

/** Monday to Friday, 9:00 to 17:00. */
const DEFAULT_WEEKLY_SCHEDULE: WeeklySchedule = Object.fromEntries(
  WEEKDAYS.slice(0, 5).map((day) => [day, [{ start: '09:00', end: '17:00' }]]),
);

/** What a tenant has before anyone saves: Mon–Fri 9–17 in its zone, the default policy, no rules. */
export function defaultSlaSettings(timeZone: string): SlaSettings {
  return {
    timeZone,
    weeklyHours: structuredClone(DEFAULT_WEEKLY_SCHEDULE),
    closures: [],
    academicPeriods: [],
    policies: [{ id: DEFAULT_POLICY_ID, name: 'Default', targets: structuredClone(DEFAULT_POLICY_TARGETS) }],
    defaultPolicyId: DEFAULT_POLICY_ID,
    rules: [],
    warnShare: 0.75,
    pauseWhileWaitingOnLearner: true,
    escalation: { leadsAfterMinutes: 30, finalAfterMinutes: 120, finalAction: 'raise_priority' },
    digest: { enabled: true, everyBusinessMinutes: 120 },
  };
}

/** "09:30" → 570 ("24:00" → 1440). */
export function minuteOfDay(time: string): number {
  const [h, m] = time.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** A range as engine minutes: an end at or before the start runs into the next day. */
export function openPeriod(range: TimeRange): OpenPeriod {
  const start = minuteOfDay(range.start);
  let end = minuteOfDay(range.end);
  if (end <= start) end += 24 * 60;
  return { start, end };
}

export function weeklyHours(schedule: WeeklySchedule): WeeklyHours {
  const hours: WeeklyHours = {};
  WEEKDAYS.forEach((day, index) => {
    const ranges = schedule[day] ?? [];
    if (ranges.length) hours[(index + 1) as keyof WeeklyHours] = ranges.map(openPeriod);
  });
  return hours;
}

/** The calendar rules of a tenant's settings (closures win over academic periods). */
export function calendarRules(settings: SlaSettings): CalendarRules {
  return {
    timeZone: settings.timeZone,
    weekly: weeklyHours(settings.weeklyHours),
    closures: settings.closures.map(({ start, end }) => ({ start, end })),
    periods: settings.academicPeriods.map((period) => ({
      start: period.start,
      end: period.end,
      closed: period.closed,
      hours: weeklyHours(period.hours ?? {}),
    })),
  };
}

function ruleMatches(rule: SlaRule, match: SlaMatch): boolean {
  const when = rule.when;
  const within = <T>(list: readonly T[] | undefined, value: T | undefined) =>
    !list?.length || (value !== undefined && list.includes(value));
  return (
    within(when.priorities, match.priority) &&
    within(when.categories, match.category) &&
    within(when.roles, match.role) &&
    within(when.courseIds, match.courseId) &&
    (!when.keywordRuleIds?.length ||
      (match.keywordRuleIds ?? []).some((id) => when.keywordRuleIds.includes(id)))
  );
}

/** A tenant's SLA with what other parts read besides the interface (the digest rhythm, the version). */
export type BuiltTenantSla = TenantSla & { readonly version: number; readonly settings: SlaSettings };

/** The TenantSla of a tenant's settings (`version` 0 when nothing is stored). Throws on an unusable calendar. */
export function buildTenantSla(settings: SlaSettings, version = 0): BuiltTenantSla {
  const calendar = new ScheduledBusinessCalendar(calendarRules(settings));
  const policies = new Map<string, SlaPolicyDefinition>(settings.policies.map((p) => [p.id, p]));
  const fallback = policies.get(settings.defaultPolicyId) ?? {
    id: DEFAULT_POLICY_ID,
    name: 'Default',
    targets: DEFAULT_POLICY_TARGETS,
  };
  const chosen = (policy: SlaPolicyDefinition, match: SlaMatch): ChosenPolicy => ({
    id: policy.id,
    name: policy.name,
    targets: { ...(policy.targets[match.priority] ?? DEFAULT_POLICY_TARGETS[match.priority]) },
  });
  return {
    version,
    settings,
    calendar,
    warnShare: settings.warnShare,
    pauseWhileWaitingOnLearner: settings.pauseWhileWaitingOnLearner,
    escalation: { ...settings.escalation },
    digest: { ...settings.digest },
    choose(match) {
      for (const rule of settings.rules) {
        const policy = policies.get(rule.policyId);
        if (policy && ruleMatches(rule, match)) return chosen(policy, match);
      }
      return chosen(fallback, match);
    },
    dueAt(target, start) {
      if (target.clock === 'calendar') return new Date(start.getTime() + target.minutes * 60_000);
      return calendar.addBusinessMinutes(start, target.minutes);
    },
    remainingMinutes(target, now, dueAt) {
      // Past due leaves nothing: a clock resumed after its due time is due at once.
      if (target.clock === 'calendar') return Math.max(0, (dueAt.getTime() - now.getTime()) / 60_000);
      return calendar.businessMinutesBetween(now, dueAt);
    },
  };
}

/** The SLA every tenant has until a lead saves settings: Mon–Fri 9–17 in `timeZone`, default targets. */
export function defaultTenantSla(timeZone: string): BuiltTenantSla {
  try {
    return buildTenantSla(defaultSlaSettings(timeZone));
  } catch {
    // A tenant with a zone luxon does not know still gets honest (UTC) times rather than an error.
    return buildTenantSla(defaultSlaSettings('UTC'));
  }
}

/** The settings stored for a tenant, without the document's bookkeeping. */
function settingsOf(doc: StoredSlaSettings): SlaSettings {
  const defaults = defaultSlaSettings(doc.timeZone);
  return {
    timeZone: doc.timeZone,
    weeklyHours: doc.weeklyHours ?? defaults.weeklyHours,
    closures: doc.closures ?? [],
    academicPeriods: doc.academicPeriods ?? [],
    policies: doc.policies?.length ? doc.policies : defaults.policies,
    defaultPolicyId: doc.defaultPolicyId ?? defaults.defaultPolicyId,
    rules: doc.rules ?? [],
    warnShare: doc.warnShare ?? defaults.warnShare,
    pauseWhileWaitingOnLearner: doc.pauseWhileWaitingOnLearner ?? defaults.pauseWhileWaitingOnLearner,
    escalation: { ...defaults.escalation, ...doc.escalation },
    digest: { ...defaults.digest, ...doc.digest },
  };
}

/** The tenant's stored settings and version, or its defaults (version 0) in the tenant's zone. */
export async function loadSlaSettings(
  tenantId: string,
  store: SlaSettingsStore,
): Promise<{ settings: SlaSettings; version: number; updatedAt?: Date }> {
  if (!/^[0-9a-f]{24}$/i.test(tenantId)) return { settings: defaultSlaSettings('UTC'), version: 0 };
  const doc = await store.read(tenantId);
  if (doc) return { settings: settingsOf(doc), version: doc.version, updatedAt: doc.updatedAt };
  return { settings: defaultSlaSettings((await store.tenantZone(tenantId)) ?? 'UTC'), version: 0 };
}

/** Process-wide cache shared by every provider, so a save here is seen at once by every reader here. */
const cache = new Map<string, { sla: BuiltTenantSla; loadedAt: number }>();
/** Loads under way, so a burst of readers after expiry costs one read. */
const loading = new Map<string, Promise<BuiltTenantSla>>();
/** Bumped by invalidation: a load that started before it must not put older settings back. */
let generation = 0;

/** Forgets a tenant's cached SLA (after a save in this process, or a `retime` job from another). */
export function invalidateTenantSla(tenantId?: string): void {
  generation++;
  if (tenantId === undefined) {
    cache.clear();
    loading.clear();
  } else {
    cache.delete(tenantId);
    loading.delete(tenantId);
  }
}

async function load(tenantId: string, store: SlaSettingsStore): Promise<BuiltTenantSla> {
  const started = generation;
  const { settings, version } = await loadSlaSettings(tenantId, store);
  const hit = cache.get(tenantId);
  let sla: BuiltTenantSla;
  if (hit && hit.sla.version === version && hit.sla.settings.timeZone === settings.timeZone) {
    // Unchanged: keep the built calendar (and its cache of days) rather than rebuilding it.
    sla = hit.sla;
  } else {
    try {
      sla = buildTenantSla(settings, version);
    } catch {
      // Saved settings are validated; should a stored document still be unusable, staff get the defaults.
      sla = defaultTenantSla(settings.timeZone);
    }
  }
  if (started === generation) cache.set(tenantId, { sla, loadedAt: Date.now() });
  return sla;
}

/**
 * Each tenant's SLA from its stored settings (defaults when none are stored), cached for `cacheMs`
 * (at most 5 s: other processes see a save within that; this process at once).
 */
export function tenantSlas(options: { cacheMs?: number; store: SlaSettingsStore }): TenantSlaProvider {
  const cacheMs = Math.min(options.cacheMs ?? 5_000, 5_000);
  return async (tenantId) => {
    const hit = cache.get(tenantId);
    if (hit && Date.now() - hit.loadedAt < cacheMs) return hit.sla;
    let pending = loading.get(tenantId);
    if (!pending) {
      pending = load(tenantId, options.store).finally(() => {
        if (loading.get(tenantId) === pending) loading.delete(tenantId);
      });
      loading.set(tenantId, pending);
    }
    return pending;
  };
}
