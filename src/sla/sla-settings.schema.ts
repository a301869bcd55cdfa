import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import { PRIORITIES } from '../conversations/conversation.types.js';
import { SLA_TARGETS } from './sla.types.js';
import { type TimeRange, WEEKDAYS, type Weekday, type WeeklySchedule } from './sla-settings.model.js';
import { openPeriod } from './tenant-sla.js';

const DAY_NAMES: Record<Weekday, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};
const WEEK_MINUTES = 7 * 24 * 60;
/** The longest target anyone can set: 90 days of minutes (business or calendar). */
const MAX_TARGET_MINUTES = 90 * 24 * 60;

const time = z
  .string({ error: 'must be a time such as 09:00' })
  .regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be a time from 00:00 to 24:00, such as 09:00');

/** A local date; luxon checks it exists (no 31 February). */
const isoDate = z
  .string({ error: 'must be a date such as 2026-12-25' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2026-12-25')
  .refine((value) => DateTime.fromISO(value).isValid, 'is not a date in the calendar');

const timeRange = z
  .object({ start: time, end: time })
  .strict()
  .superRefine((range, ctx) => {
    if (range.start === '24:00')
      ctx.addIssue({ code: 'custom', path: ['start'], message: 'cannot start at 24:00' });
    else if (range.start === range.end)
      ctx.addIssue({
        code: 'custom',
        path: ['end'],
        message: 'must differ from the start (an empty period)',
      });
  });

const label = (range: TimeRange) => `${range.start}–${range.end}`;

/**
 * Refuses periods that overlap, including an overnight period running into the next day's first period
 * (Monday 22:00–02:00 and Tuesday 01:00–09:00) and Sunday night into Monday.
 */
function checkOverlaps(schedule: WeeklySchedule, ctx: z.RefinementCtx, path: (string | number)[]) {
  const spans: { from: number; to: number; day: Weekday; index: number; range: TimeRange }[] = [];
  WEEKDAYS.forEach((day, dayIndex) => {
    (schedule[day] ?? []).forEach((range, index) => {
      const period = openPeriod(range);
      const from = dayIndex * 24 * 60 + period.start;
      const to = dayIndex * 24 * 60 + period.end;
      spans.push({ from, to, day, index, range });
      // Sunday's overnight period runs into Monday of the next week.
      if (to > WEEK_MINUTES)
        spans.push({ from: from - WEEK_MINUTES, to: to - WEEK_MINUTES, day, index, range });
    });
  });
  spans.sort((a, b) => a.from - b.from || a.to - b.to);
  const reported = new Set<string>();
  for (let i = 1; i < spans.length; i++) {
    const previous = spans[i - 1];
    const current = spans[i];
    if (!previous || !current || current.from >= previous.to) continue;
    const later = current;
    const key = `${later.day}.${later.index}`;
    if (reported.has(key)) continue;
    reported.add(key);
    ctx.addIssue({
      code: 'custom',
      path: [...path, later.day, later.index],
      message: `${label(later.range)} overlaps ${label(previous.range)} on ${DAY_NAMES[previous.day]}`,
    });
  }
}

const hasHours = (schedule: WeeklySchedule) => WEEKDAYS.some((day) => (schedule[day] ?? []).length > 0);

const weeklySchedule = z
  .object(Object.fromEntries(WEEKDAYS.map((day) => [day, z.array(timeRange).max(12).default([])])))
  .strict()
  .superRefine((schedule, ctx) => checkOverlaps(schedule as WeeklySchedule, ctx, []))
  .transform((schedule) => schedule as WeeklySchedule);

function checkDateRange(range: { start: string; end: string }, ctx: z.RefinementCtx, maxDays: number) {
  if (range.end < range.start) {
    ctx.addIssue({ code: 'custom', path: ['end'], message: `is before the start (${range.start})` });
    return;
  }
  const days = DateTime.fromISO(range.end).diff(DateTime.fromISO(range.start), 'days').days;
  if (days >= maxDays)
    ctx.addIssue({ code: 'custom', path: ['end'], message: `is more than ${maxDays} days after the start` });
}

const name = (max: number) =>
  z
    .string({ error: 'is required' })
    .trim()
    .min(1, 'is required')
    .max(max, `must be at most ${max} characters`);

const closure = z
  .object({
    name: name(120),
    start: isoDate,
    end: isoDate.optional(),
    source: z.enum(['manual', 'ics']).default('manual'),
  })
  .strict()
  .transform((value) => ({ ...value, end: value.end ?? value.start }))
  .superRefine((value, ctx) => checkDateRange(value, ctx, 366));

const academicPeriod = z
  .object({
    name: name(120),
    start: isoDate,
    end: isoDate,
    closed: z.boolean().default(false),
    hours: weeklySchedule.default({}),
  })
  .strict()
  .superRefine((value, ctx) => {
    checkDateRange(value, ctx, 366);
    if (!value.closed && !hasHours(value.hours))
      ctx.addIssue({
        code: 'custom',
        path: ['hours'],
        message: 'has no open hours: add a period or mark it closed',
      });
  });

const slug = z
  .string({ error: 'is required' })
  .regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be 1–40 letters, digits, "-" or "_"');

const target = z
  .object({
    minutes: z
      .number({ error: 'must be a number of minutes' })
      .int('must be a whole number of minutes')
      .min(1, 'must be at least 1 minute')
      .max(MAX_TARGET_MINUTES, `must be at most ${MAX_TARGET_MINUTES} minutes (90 days)`),
    clock: z.enum(['business', 'calendar'], { error: 'must be "business" or "calendar"' }),
  })
  .strict();

const priorityTargets = z
  .object(Object.fromEntries(SLA_TARGETS.map((name) => [name, target])))
  .strict() as unknown as z.ZodType<Record<(typeof SLA_TARGETS)[number], z.output<typeof target>>>;

const policy = z
  .object({
    id: slug,
    name: name(80),
    targets: z.object(Object.fromEntries(PRIORITIES.map((p) => [p, priorityTargets]))).strict(),
  })
  .strict();

const shortList = (item: z.ZodType<string>, max = 100) => z.array(item).max(max).default([]);

const rule = z
  .object({
    id: slug,
    name: z.string().trim().max(100).default(''),
    policyId: slug,
    when: z
      .object({
        priorities: shortList(z.enum(PRIORITIES as [string, ...string[]]) as z.ZodType<string>, 4),
        categories: shortList(z.string().trim().min(1).max(60)),
        roles: shortList(z.enum(['learner', 'instructor', 'admin']) as z.ZodType<string>, 3),
        courseIds: shortList(z.string().trim().min(1).max(100)),
        keywordRuleIds: shortList(z.string().trim().min(1).max(100)),
      })
      .strict()
      .refine(
        (when) => Object.values(when).some((list) => list.length > 0),
        'needs at least one condition (priority, category, role, course or keyword rule)',
      ),
  })
  .strict();

const escalation = z
  .object({
    leadsAfterMinutes: z
      .number({ error: 'must be a number of minutes' })
      .int('must be a whole number of minutes')
      .min(0, 'must not be negative')
      .max(7 * 24 * 60, 'must be at most 10,080 minutes (a week)'),
    finalAfterMinutes: z
      .number({ error: 'must be a number of minutes' })
      .int('must be a whole number of minutes')
      .min(0, 'must not be negative')
      .max(14 * 24 * 60, 'must be at most 20,160 minutes (two weeks)'),
    finalAction: z.enum(['raise_priority', 'unassign', 'none'], {
      error: 'must be "raise_priority", "unassign" or "none"',
    }),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.finalAction !== 'none' && value.finalAfterMinutes < value.leadsAfterMinutes)
      ctx.addIssue({
        code: 'custom',
        path: ['finalAfterMinutes'],
        message: `must not come before the leads are told (${value.leadsAfterMinutes} minutes)`,
      });
  });

const digest = z
  .object({
    enabled: z.boolean({ error: 'must be true or false' }),
    everyBusinessMinutes: z
      .number({ error: 'must be a number of business minutes' })
      .int('must be a whole number of minutes')
      .min(15, 'must be at least 15 minutes')
      .max(5 * 8 * 60, 'must be at most 2,400 minutes (a business week)'),
  })
  .strict();

const timeZone = z
  .string({ error: 'is required' })
  .trim()
  .superRefine((zone, ctx) => {
    if (!IANAZone.isValidZone(zone))
      ctx.addIssue({
        code: 'custom',
        message: `"${zone}" is not a time zone we know; use an IANA name such as America/New_York`,
      });
  });

/** Every setting, as stored and as a PUT without gaps must send them. */
export const slaSettingsSchema = z
  .object({
    timeZone,
    weeklyHours: weeklySchedule,
    closures: z.array(closure).max(1000, 'at most 1,000 closures'),
    academicPeriods: z.array(academicPeriod).max(100, 'at most 100 academic periods'),
    policies: z.array(policy).min(1, 'needs at least one policy').max(20, 'at most 20 policies'),
    defaultPolicyId: slug,
    rules: z.array(rule).max(50, 'at most 50 rules'),
    warnShare: z
      .number({ error: 'must be a number between 0.05 and 0.95' })
      .min(0.05, 'must be at least 0.05 (5 %)')
      .max(0.95, 'must be at most 0.95 (95 %)'),
    pauseWhileWaitingOnLearner: z.boolean({ error: 'must be true or false' }),
    escalation,
    digest,
  })
  .strict()
  .superRefine((settings, ctx) => {
    if (!hasHours(settings.weeklyHours))
      ctx.addIssue({
        code: 'custom',
        path: ['weeklyHours'],
        message: 'the calendar has no open hours: add at least one period to a day',
      });
    const ids = new Set<string>();
    settings.policies.forEach((p, index) => {
      if (ids.has(p.id))
        ctx.addIssue({ code: 'custom', path: ['policies', index, 'id'], message: `"${p.id}" is used twice` });
      ids.add(p.id);
    });
    if (!ids.has(settings.defaultPolicyId))
      ctx.addIssue({
        code: 'custom',
        path: ['defaultPolicyId'],
        message: `names no policy ("${settings.defaultPolicyId}")`,
      });
    const ruleIds = new Set<string>();
    settings.rules.forEach((r, index) => {
      if (!ids.has(r.policyId))
        ctx.addIssue({
          code: 'custom',
          path: ['rules', index, 'policyId'],
          message: `names no policy ("${r.policyId}")`,
        });
      if (ruleIds.has(r.id))
        ctx.addIssue({ code: 'custom', path: ['rules', index, 'id'], message: `"${r.id}" is used twice` });
      ruleIds.add(r.id);
    });
    // Academic periods that overlap would leave it to their order which hours apply: refuse.
    const periods = settings.academicPeriods
      .map((p, index) => ({ ...p, index }))
      .sort((a, b) => a.start.localeCompare(b.start));
    for (let i = 1; i < periods.length; i++) {
      const previous = periods[i - 1];
      const current = periods[i];
      if (previous && current && current.start <= previous.end)
        ctx.addIssue({
          code: 'custom',
          path: ['academicPeriods', current.index, 'start'],
          message: `overlaps "${previous.name}" (${previous.start} to ${previous.end})`,
        });
    }
  });

/** A change: any top-level settings (the rest keep their current value), and optionally the version read. */
export const slaSettingsPatchSchema = z
  .object({
    timeZone: z.unknown(),
    weeklyHours: z.unknown(),
    closures: z.unknown(),
    academicPeriods: z.unknown(),
    policies: z.unknown(),
    defaultPolicyId: z.unknown(),
    rules: z.unknown(),
    warnShare: z.unknown(),
    pauseWhileWaitingOnLearner: z.unknown(),
    escalation: z.unknown(),
    digest: z.unknown(),
    version: z.number().int().min(0).optional(),
  })
  .partial()
  .strict();

export type SlaSettingsPatch = z.output<typeof slaSettingsPatchSchema>;

/** A zod issue path as people read it: `weeklyHours.mon[1].end`. */
export function fieldName(path: readonly PropertyKey[]): string {
  return path.reduce<string>((name, key) => {
    if (typeof key === 'number') return `${name}[${key}]`;
    return name ? `${name}.${String(key)}` : String(key);
  }, '');
}
