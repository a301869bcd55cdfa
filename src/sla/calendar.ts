import { ScheduledBusinessCalendar } from './calendar-schedule.js';

export { describeInstant, zoneCity } from './calendar-describe.js';
export {
  type CalendarRules,
  type ClosedRange,
  ScheduledBusinessCalendar,
  type SpecialPeriod,
} from './calendar-schedule.js';

import type { Priority } from '../conversations/conversation.types.js';

/**
 * Business time for one institution. Every "when will someone reply" answer goes through this interface:
 * tenants' calendars (weekly hours, closures, academic periods; {@link ScheduledBusinessCalendar}) and the
 * fixed default below implement it, and callers never see which.
 */
export interface BusinessCalendar {
  /** IANA time zone the calendar's hours are expressed in. */
  readonly timeZone: string;
  /** True when `at` falls inside staff hours. */
  isOpen(at: Date): boolean;
  /** `at` itself when open, else the start of the next open period. */
  nextOpen(at: Date): Date;
  /** The instant `minutes` of staff time after `start` (time while closed does not count). */
  addBusinessMinutes(start: Date, minutes: number): Date;
  /**
   * Minutes of staff time between two instants (possibly fractional; 0 when `to` is not after `from`):
   * what is left of a business-time clock when it pauses.
   */
  businessMinutesBetween(from: Date, to: Date): number;
  /**
   * A reply-by time as people say it, in the calendar's zone: "Monday 11:00, New York time",
   * "el lunes a las 11:00, hora de Nueva York"; "today"/"tomorrow" when `now` is given and it applies.
   */
  describe(at: Date, locale?: string | null, now?: Date): string;
}

/** One open stretch of a day, in minutes after local midnight (end exclusive). */
export interface OpenPeriod {
  start: number;
  end: number;
}

/** Weekly hours: ISO weekday (1 Monday … 7 Sunday) → open periods that day. */
export type WeeklyHours = Partial<Record<1 | 2 | 3 | 4 | 5 | 6 | 7, OpenPeriod[]>>;

/** The default staff hours until institutions define their own: Monday to Friday, 9:00 to 17:00. */
const DEFAULT_WEEKLY_HOURS: WeeklyHours = Object.fromEntries(
  [1, 2, 3, 4, 5].map((day) => [day, [{ start: 9 * 60, end: 17 * 60 }]]),
) as WeeklyHours;

/**
 * Fixed reply targets in business minutes per priority, for {@link defaultReplyPolicy} without settings.
 * Tenants' targets (urgent 5 minutes around the clock…) are DEFAULT_POLICY_TARGETS in tenant-sla.ts.
 */
export const DEFAULT_REPLY_TARGET_MINUTES: Readonly<Record<Priority, number>> = {
  urgent: 15,
  high: 60,
  normal: 4 * 60,
  low: 8 * 60,
};

/** Minutes of business time the team aims to reply within, for a priority (defaults above). */
export function replyTarget(
  priority: Priority,
  targets: Readonly<Record<Priority, number>> = DEFAULT_REPLY_TARGET_MINUTES,
): number {
  return targets[priority];
}

/**
 * A calendar of weekly open periods in one IANA zone, with optional closed dates (ISO `yyyy-MM-dd`, local).
 * Arithmetic happens in local wall time through luxon, so DST changes are handled: 9:00 stays 9:00.
 * Tenants' calendars (closures as ranges, academic periods, overnight periods) use
 * {@link ScheduledBusinessCalendar} directly; this keeps the simple constructor for callers and tests.
 */
export class WeeklyBusinessCalendar extends ScheduledBusinessCalendar {
  constructor(
    timeZone: string,
    hours: WeeklyHours = DEFAULT_WEEKLY_HOURS,
    closedDates: Iterable<string> = [],
  ) {
    // Periods past midnight were never part of this constructor's contract: clamp to the day as before.
    const clamped = Object.fromEntries(
      Object.entries(hours).map(([day, periods]) => [
        day,
        (periods ?? []).map((p) => ({ start: p.start, end: Math.min(24 * 60, p.end) })),
      ]),
    ) as WeeklyHours;
    super({
      timeZone,
      weekly: clamped,
      closures: [...closedDates].map((date) => ({ start: date, end: date })),
    });
  }
}
