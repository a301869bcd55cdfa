import type { Priority } from '../../src/conversations/conversation.types.js';
import { WeeklyBusinessCalendar } from '../../src/sla/calendar.js';
import type { ChosenPolicy, EscalationSettings, SlaTarget, TenantSla } from '../../src/sla/sla-plan.js';
import type { SlaTargetName } from '../../src/sla/sla.types.js';

/** Targets per priority, in minutes of calendar time (fractions allowed: 0.05 = 3 s). */
export type TestTargets = Record<Priority, Partial<Record<SlaTargetName, number>>>;

/**
 * A TenantSla for tests: calendar-clock targets (every minute counts, so a target of a few seconds is a few
 * seconds), chosen by priority alone; the calendar is Mon–Fri 9–17 New York (only for describing times).
 */
export function testTenantSla(
  options: {
    targets?: Partial<TestTargets>;
    warnShare?: number;
    pauseWhileWaitingOnLearner?: boolean;
    escalation?: Partial<EscalationSettings>;
    policyName?: (priority: Priority) => string;
  } = {},
): TenantSla {
  const minutes = (seconds: number) => seconds / 60;
  const defaults: TestTargets = {
    urgent: { first_response: minutes(2), next_response: minutes(2), resolution: minutes(20) },
    high: { first_response: minutes(4), next_response: minutes(4), resolution: minutes(40) },
    normal: { first_response: minutes(6), next_response: minutes(6), resolution: minutes(60) },
    low: { first_response: minutes(8), next_response: minutes(8), resolution: minutes(80) },
  };
  const targets = { ...defaults, ...options.targets };
  const calendar = new WeeklyBusinessCalendar('America/New_York');
  return {
    calendar,
    warnShare: options.warnShare ?? 0.75,
    pauseWhileWaitingOnLearner: options.pauseWhileWaitingOnLearner ?? true,
    escalation: { leadsAfterMinutes: 30, finalAfterMinutes: 120, finalAction: 'raise_priority', ...options.escalation },
    digest: { enabled: false, everyBusinessMinutes: 120 },
    choose(match): ChosenPolicy {
      const chosen = targets[match.priority];
      return {
        id: `test-${match.priority}`,
        name: options.policyName?.(match.priority) ?? `Test ${match.priority}`,
        targets: Object.fromEntries(
          Object.entries(chosen).map(([name, value]) => [name, { minutes: value, clock: 'calendar' } satisfies SlaTarget]),
        ),
      };
    },
    dueAt(target, start) {
      if (target.clock === 'business') return calendar.addBusinessMinutes(start, target.minutes);
      return new Date(start.getTime() + Math.round(target.minutes * 60_000));
    },
    remainingMinutes(target, now, dueAt) {
      if (target.clock === 'calendar') return Math.max(0, (dueAt.getTime() - now.getTime()) / 60_000);
      throw new Error('test SLA: business remaining time is not modelled');
    },
  } as TenantSla;
}
