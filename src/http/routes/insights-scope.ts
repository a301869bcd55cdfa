import { z } from 'zod';
import { MAX_RANGE_DAYS } from '../../insights/dashboard.service.js';
import { localDate } from '../../insights/insights-projector.js';
import { AppError } from '../../lib/errors.js';
import type { Session } from '../../lti/session.js';
import { loadStoredSlaSettings } from '../../storage/sla/stored-sla-settings.js';

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Dates look like 2026-11-30.')
  // Date.parse rolls 2026-02-31 over to March: a real date reads back the same.
  .refine((value) => {
    const time = Date.parse(`${value}T00:00:00Z`);
    return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === value;
  }, 'That date does not exist.');

/** The query every Insights read takes: a date range and, for admins, one course. */
export const insightsRangeSchema = z.object({
  from: isoDate.optional(),
  to: isoDate.optional(),
  course: z
    .string()
    .regex(/^[0-9a-fA-F]{24}$/, 'That course was not found.')
    .optional(),
});

/** Days shown when the request names none. */
const DEFAULT_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * The range and course an Insights request may see: the last 30 days of the tenant's calendar unless it
 * says otherwise; an instructor always sees their own course only, whatever the request asks.
 */
export async function insightsScopeOf(session: Session, input: z.output<typeof insightsRangeSchema>) {
  if (session.role === 'instructor' && !session.courseId)
    throw new AppError('forbidden', 'Open Insights from your course to see its figures.');
  const zone = (await loadStoredSlaSettings(session.tenantId)).settings.timeZone;
  const to = input.to ?? localDate(Date.now(), zone);
  const from =
    input.from ??
    new Date(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;
  if (days < 1) throw new AppError('bad_request', 'from: the range must start on or before its end.');
  if (days > MAX_RANGE_DAYS)
    throw new AppError('bad_request', `The range can be at most ${MAX_RANGE_DAYS} days.`);
  const courseId = session.role === 'instructor' ? session.courseId : input.course;
  return { tenantId: session.tenantId, from, to, ...(courseId ? { courseId } : {}), zone };
}
