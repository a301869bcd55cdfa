import { DateTime, IANAZone } from 'luxon';
import type { BusinessCalendar, OpenPeriod, WeeklyHours } from './calendar.js';
import { describeInstant } from './calendar-describe.js';

/** Local dates (`yyyy-MM-dd`, both ends included) on which nothing opens: a holiday, a closure. */
export interface ClosedRange {
  start: string;
  end: string;
}

/** Local dates (both ends included) with hours of their own (exam weeks) or none at all (term breaks). */
export interface SpecialPeriod extends ClosedRange {
  closed: boolean;
  hours?: WeeklyHours;
}

/**
 * Everything that decides when staff are in, in one IANA zone. Open periods are minutes after local
 * midnight; an `end` past 1440 runs into the next day (22:00–02:00 is `{ start: 1320, end: 1560 }`) and
 * belongs to the day it starts: a holiday on that day closes it, an exam week starting that day sets it.
 */
export interface CalendarRules {
  timeZone: string;
  weekly: WeeklyHours;
  closures?: readonly ClosedRange[];
  /** Checked in order; the first period covering a date sets its hours. Closures win over periods. */
  periods?: readonly SpecialPeriod[];
}

// Searching further than this for an open period means the calendar is effectively always closed.
const MAX_SEARCH_DAYS = 400;
const MAX_MERGED_MS = 7 * 24 * 3_600_000;
const DAY_MINUTES = 24 * 60;
// Day intervals are cached per local date: timers re-arm often and luxon's zone maths is the cost.
const DAY_CACHE_LIMIT = 4000;

type Interval = [startMs: number, endMs: number];
interface DayInfo {
  startMs: number;
  intervals: Interval[];
}

function normalise(periods: readonly OpenPeriod[] | undefined): OpenPeriod[] {
  return [...(periods ?? [])]
    .map((p) => ({ start: Math.max(0, p.start), end: Math.min(p.start + DAY_MINUTES, p.end) }))
    .filter((p) => p.end > p.start && p.start < DAY_MINUTES)
    .sort((a, b) => a.start - b.start);
}

function normaliseWeek(hours: WeeklyHours | undefined): Map<number, OpenPeriod[]> {
  const week = new Map<number, OpenPeriod[]>();
  for (const [day, periods] of Object.entries(hours ?? {})) {
    const sorted = normalise(periods);
    if (sorted.length) week.set(Number(day), sorted);
  }
  return week;
}

/**
 * Business time over weekly hours, closures and special periods. Arithmetic runs on the open intervals of
 * each local day, turned into real instants by luxon, so a DST change keeps 9:00 at 9:00 and an hour of
 * work is an hour of elapsed time even across the change.
 */
export class ScheduledBusinessCalendar implements BusinessCalendar {
  readonly timeZone: string;
  private readonly weekly: Map<number, OpenPeriod[]>;
  private readonly closures: readonly ClosedRange[];
  private readonly periods: readonly { range: SpecialPeriod; week: Map<number, OpenPeriod[]> }[];
  private readonly dayCache = new Map<number, DayInfo>();
  private readonly zone: IANAZone;

  constructor(rules: CalendarRules) {
    if (!IANAZone.isValidZone(rules.timeZone)) throw new Error(`Unknown time zone "${rules.timeZone}"`);
    this.timeZone = rules.timeZone;
    this.zone = IANAZone.create(rules.timeZone);
    this.weekly = normaliseWeek(rules.weekly);
    if (this.weekly.size === 0) throw new Error('A business calendar needs at least one open period');
    this.closures = [...(rules.closures ?? [])];
    this.periods = (rules.periods ?? []).map((range) => ({ range, week: normaliseWeek(range.hours) }));
  }

  /** The open periods of a local date (`yyyy-MM-dd`, ISO weekday), after closures and special periods. */
  private periodsOn(date: string, weekday: number): OpenPeriod[] {
    if (this.closures.some((c) => c.start <= date && date <= c.end)) return [];
    const special = this.periods.find((p) => p.range.start <= date && date <= p.range.end);
    if (special) return special.range.closed ? [] : (special.week.get(weekday) ?? []);
    return this.weekly.get(weekday) ?? [];
  }

  /** The instant a local wall-clock minute of a day falls on (luxon moves times inside a DST gap forward). */
  private wall(day: DateTime, minuteOfDay: number): number {
    const days = Math.floor(minuteOfDay / DAY_MINUTES);
    const minute = minuteOfDay - days * DAY_MINUTES;
    const base = days ? day.plus({ days }) : day;
    return base
      .set({ hour: Math.floor(minute / 60), minute: minute % 60, second: 0, millisecond: 0 })
      .toMillis();
  }

  /**
   * A local day (numbered from 1970-01-01 in the calendar's own dates): the instant it starts and the open
   * intervals of the periods that start on it. Cached, so the hot path (timers re-arming) is map lookups.
   */
  private day(dayNumber: number): DayInfo {
    const hit = this.dayCache.get(dayNumber);
    if (hit) return hit;
    const date = new Date(dayNumber * 86_400_000).toISOString().slice(0, 10);
    // 1970-01-01 was a Thursday (ISO weekday 4).
    const weekday = ((((dayNumber + 3) % 7) + 7) % 7) + 1;
    const start = DateTime.fromISO(date, { zone: this.timeZone }).startOf('day');
    const intervals: Interval[] = [];
    for (const period of this.periodsOn(date, weekday)) {
      const open = this.wall(start, period.start);
      const close = this.wall(start, period.end);
      if (close > open) intervals.push([open, close]);
    }
    const info = { startMs: start.toMillis(), intervals };
    if (this.dayCache.size >= DAY_CACHE_LIMIT) this.dayCache.clear();
    this.dayCache.set(dayNumber, info);
    return info;
  }

  /** The number of the local day an instant falls on. */
  private dayNumberOf(ms: number): number {
    return Math.floor((ms + this.zone.offset(ms) * 60_000) / 86_400_000);
  }

  /**
   * Open intervals ending after `fromMs`, in order, touching ones merged (an overnight period running into
   * the next morning's hours is one stretch). Starts a day early to catch the previous night's period;
   * ends after MAX_SEARCH_DAYS days without any opening.
   */
  private *intervalsFrom(fromMs: number): Generator<Interval> {
    let dayNumber = this.dayNumberOf(fromMs) - 1;
    let pending: Interval | undefined;
    let emptyDays = 0;
    for (; ; dayNumber++) {
      const { startMs, intervals } = this.day(dayNumber);
      if (pending && startMs > pending[1]) {
        yield pending;
        pending = undefined;
      }
      if (intervals.length === 0) {
        if (++emptyDays > MAX_SEARCH_DAYS && !pending) return;
      } else emptyDays = 0;
      for (const [start, end] of intervals) {
        if (end <= fromMs) continue;
        // Touching periods merge (so 22:00–24:00 and 00:00–02:00 read as one), but a stretch open around
        // the clock is handed out a week at a time: callers add consecutive intervals, so nothing changes
        // for them, and a calendar open every hour never makes this loop run forever.
        if (pending && start <= pending[1] && pending[1] - pending[0] < MAX_MERGED_MS) {
          pending[1] = Math.max(pending[1], end);
          continue;
        }
        if (pending && end <= pending[1]) continue;
        const from = pending ? Math.max(start, pending[1]) : start;
        if (pending) yield pending;
        pending = [from, end];
      }
    }
  }

  isOpen(at: Date): boolean {
    const t = at.getTime();
    for (const [start] of this.intervalsFrom(t)) return start <= t;
    return false;
  }

  nextOpen(at: Date): Date {
    const t = at.getTime();
    for (const [start] of this.intervalsFrom(t)) return start <= t ? at : new Date(start);
    throw new Error(`No open period within ${MAX_SEARCH_DAYS} days`);
  }

  addBusinessMinutes(start: Date, minutes: number): Date {
    if (!Number.isFinite(minutes) || minutes < 0) throw new Error('minutes must be a non-negative number');
    const t = start.getTime();
    let remainingMs = minutes * 60_000;
    for (const [open, close] of this.intervalsFrom(t)) {
      const from = Math.max(open, t);
      // Real elapsed time inside the period, so an hour of work is an hour even across a DST change.
      if (remainingMs <= close - from) return new Date(from + remainingMs);
      remainingMs -= close - from;
    }
    throw new Error(`No open period within ${MAX_SEARCH_DAYS} days`);
  }

  /** Business minutes (possibly fractional) from `from` to `to`; 0 when `to` is not after `from`. */
  businessMinutesBetween(from: Date, to: Date): number {
    const a = from.getTime();
    const b = to.getTime();
    if (b <= a) return 0;
    let ms = 0;
    for (const [open, close] of this.intervalsFrom(a)) {
      if (open >= b) break;
      ms += Math.min(close, b) - Math.max(open, a);
    }
    return ms / 60_000;
  }

  describe(at: Date, locale?: string | null, now?: Date): string {
    return describeInstant(at, this.timeZone, locale, now);
  }
}
