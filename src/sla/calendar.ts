import { DateTime, IANAZone } from 'luxon';
import type { Priority } from '../conversations/conversation.types.js';

/**
 * Business time for one institution. Every "when will someone reply" answer goes through this interface,
 * so per-institution calendars, holidays and academic periods (the later SLA work) replace the
 * implementation without touching callers.
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
export const DEFAULT_WEEKLY_HOURS: WeeklyHours = Object.fromEntries(
  [1, 2, 3, 4, 5].map((day) => [day, [{ start: 9 * 60, end: 17 * 60 }]]),
) as WeeklyHours;

/** Default reply targets in business minutes per priority. */
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

// Searching further than this for an open period means the calendar is effectively always closed.
const MAX_SEARCH_DAYS = 400;

/**
 * A calendar of weekly open periods in one IANA zone, with optional closed dates (ISO `yyyy-MM-dd`, local).
 * Arithmetic happens in local wall time through luxon, so DST changes are handled: 9:00 stays 9:00.
 */
export class WeeklyBusinessCalendar implements BusinessCalendar {
  private readonly hours: Map<number, OpenPeriod[]>;
  private readonly closedDates: ReadonlySet<string>;

  constructor(
    readonly timeZone: string,
    hours: WeeklyHours = DEFAULT_WEEKLY_HOURS,
    closedDates: Iterable<string> = [],
  ) {
    if (!IANAZone.isValidZone(timeZone)) throw new Error(`Unknown time zone "${timeZone}"`);
    this.hours = new Map();
    for (const [day, periods] of Object.entries(hours)) {
      const sorted = [...(periods ?? [])]
        .filter((p) => p.end > p.start)
        .sort((a, b) => a.start - b.start)
        .map((p) => ({ start: Math.max(0, p.start), end: Math.min(24 * 60, p.end) }));
      if (sorted.length) this.hours.set(Number(day), sorted);
    }
    if (this.hours.size === 0) throw new Error('A business calendar needs at least one open period');
    this.closedDates = new Set(closedDates);
  }

  private local(at: Date): DateTime {
    return DateTime.fromJSDate(at, { zone: this.timeZone });
  }

  private periodsOn(day: DateTime): OpenPeriod[] {
    if (this.closedDates.has(day.toISODate() ?? '')) return [];
    return this.hours.get(day.weekday) ?? [];
  }

  /** The instant a local wall-clock minute of a day falls on (luxon moves times inside a DST gap forward). */
  private at(day: DateTime, minuteOfDay: number): DateTime {
    if (minuteOfDay >= 24 * 60) return day.startOf('day').plus({ days: 1 });
    return day.set({
      hour: Math.floor(minuteOfDay / 60),
      minute: minuteOfDay % 60,
      second: 0,
      millisecond: 0,
    });
  }

  /** The open period containing `at`, as instants. */
  private periodContaining(at: Date): { start: DateTime; end: DateTime } | undefined {
    const local = this.local(at);
    for (const period of this.periodsOn(local)) {
      const start = this.at(local, period.start);
      const end = this.at(local, period.end);
      if (local >= start && local < end) return { start, end };
    }
    return undefined;
  }

  isOpen(at: Date): boolean {
    return this.periodContaining(at) !== undefined;
  }

  nextOpen(at: Date): Date {
    if (this.isOpen(at)) return at;
    const local = this.local(at);
    for (let offset = 0; offset < MAX_SEARCH_DAYS; offset++) {
      const day = local.startOf('day').plus({ days: offset });
      for (const period of this.periodsOn(day)) {
        const start = this.at(day, period.start);
        if (start > local) return start.toJSDate();
      }
    }
    throw new Error(`No open period within ${MAX_SEARCH_DAYS} days`);
  }

  addBusinessMinutes(start: Date, minutes: number): Date {
    if (!Number.isFinite(minutes) || minutes < 0) throw new Error('minutes must be a non-negative number');
    let cursor = this.nextOpen(start);
    let remainingMs = minutes * 60_000;
    for (let guard = 0; guard < MAX_SEARCH_DAYS * 4; guard++) {
      const period = this.periodContaining(cursor);
      if (!period) throw new Error('calendar inconsistency: nextOpen returned a closed instant');
      // Real elapsed time inside the period, so an hour of work is an hour even across a DST change.
      const availableMs = period.end.toMillis() - cursor.getTime();
      if (remainingMs <= availableMs) return new Date(cursor.getTime() + remainingMs);
      remainingMs -= availableMs;
      cursor = this.nextOpen(period.end.toJSDate());
    }
    throw new Error('reply target too far in the future');
  }

  describe(at: Date, locale?: string | null, now?: Date): string {
    return describeInstant(at, this.timeZone, locale, now);
  }
}

const SPANISH_CITIES: Record<string, string> = {
  'New York': 'Nueva York',
  'Mexico City': 'Ciudad de México',
  London: 'Londres',
  'Sao Paulo': 'São Paulo',
  Bogota: 'Bogotá',
  Lisbon: 'Lisboa',
  Berlin: 'Berlín',
  Paris: 'París',
  Tokyo: 'Tokio',
  'Los Angeles': 'Los Ángeles',
};

/** "America/New_York" → "New York": the city people recognise in a zone name. */
export function zoneCity(timeZone: string, language: 'en' | 'es' = 'en'): string {
  const city = (timeZone.split('/').pop() ?? timeZone).replace(/_/g, ' ');
  return language === 'es' ? (SPANISH_CITIES[city] ?? city) : city;
}

const isSpanish = (locale?: string | null) => (locale ?? '').toLowerCase().startsWith('es');

/** Formats an instant as "Monday 11:00, New York time" (see {@link BusinessCalendar.describe}). */
export function describeInstant(at: Date, timeZone: string, locale?: string | null, now?: Date): string {
  const es = isSpanish(locale);
  const local = DateTime.fromJSDate(at, { zone: timeZone }).setLocale(es ? 'es' : 'en');
  const time = local.toFormat('H:mm');
  const zone = timeZone === 'UTC' || timeZone === 'Etc/UTC' ? 'UTC' : zoneCity(timeZone, es ? 'es' : 'en');
  const days = now
    ? Math.round(
        local.startOf('day').diff(DateTime.fromJSDate(now, { zone: timeZone }).startOf('day'), 'days').days,
      )
    : Number.NaN;
  // Weekday alone is unambiguous within the coming week; further out (or in the past) the date is added.
  const withinWeek = Number.isNaN(days) || (days > 1 && days < 7);
  if (es) {
    const hora = local.hour === 1 ? `a la ${time}` : `a las ${time}`;
    let day: string;
    if (days === 0) day = 'hoy';
    else if (days === 1) day = 'mañana';
    else if (withinWeek) day = `el ${local.toFormat('cccc')}`;
    else day = `el ${local.toFormat("cccc d 'de' LLLL")}`;
    return `${day} ${hora}, ${zone === 'UTC' ? 'hora UTC' : `hora de ${zone}`}`;
  }
  let day: string;
  if (days === 0) day = 'today at';
  else if (days === 1) day = 'tomorrow at';
  else if (withinWeek) day = local.toFormat('cccc');
  else day = local.toFormat('cccc d LLLL');
  return `${day} ${time}, ${zone} time`;
}
