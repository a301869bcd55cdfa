import { CourseModel } from '../courses/course.model.js';
import { findEachInTenant } from '../db/by-id.js';
import { TeamModel } from '../inbox/inbox.models.js';
import { type DashboardSummary, type DayOfSummaries, datesBetween, summarise } from './dashboard-summary.js';
import { type ScopeSummary, unpackScope } from './day-summary.js';
import { InsightMonthModel, insightMonthId } from './insight-day.model.js';
import { loadSpikeRule } from './insight-settings.js';
import { TopicModel } from './topic.model.js';
import { daysBefore, type SpikeRule, type TopicFigure, topicFigures } from './topic-spikes.js';

/** The longest range one dashboard request may cover, in days. */
export const MAX_RANGE_DAYS = 366;

export interface DashboardQuery {
  tenantId: string;
  /** Local dates of the tenant, inclusive (YYYY-MM-DD). */
  from: string;
  to: string;
  /** One course only (always set for an instructor). */
  courseId?: string;
  now?: number;
}

export interface Dashboard extends DashboardSummary {
  from: string;
  to: string;
  courseId?: string;
  /** The topics behind handoffs (top 10, then any other spiking one), with their labels. */
  topics: (TopicFigure & { label: string })[];
  spikeRule: SpikeRule;
  /** Team names for the SLA table (a deleted team keeps its id). */
  teamNames: Record<string, string>;
  /**
   * Courses with threads in the range's months, busiest first (the course filter offers these);
   * `conversations` counts whole months.
   */
  courses: { id: string; title: string; conversations: number }[];
}

/** Courses the filter lists at most. */
const COURSE_OPTIONS = 50;

/**
 * The dashboard for a tenant's date range: one `_id` read per month of the range (the tenant's or the
 * course's month of day summaries, see insight-day.model.ts), then the figures added up.
 */
export async function loadDashboard(query: DashboardQuery): Promise<Dashboard> {
  const dates = datesBetween(query.from, query.to);
  const spikeRule = await loadSpikeRule(query.tenantId);
  // A spike compares the range's last week with the weeks before it, which may start before the range.
  const historyFrom = daysBefore(query.to, (spikeRule.trailingWeeks + 1) * 7 - 1);
  const [start = query.from] = [historyFrom, query.from].sort();
  const history = datesBetween(start, query.to);
  const months = [...new Set(history.map((date) => date.slice(0, 7)))];
  const docs = await findEachInTenant(
    InsightMonthModel,
    months.map((month) => insightMonthId(query.tenantId, month, query.courseId)),
    query.tenantId,
  );
  const byDate = new Map<string, ScopeSummary>();
  const courseCounts = new Map<string, number>();
  const wanted = new Set(history);
  const rangeMonths = new Set(dates.map((date) => date.slice(0, 7)));
  for (const doc of docs) {
    if (!doc) continue;
    for (const [date, summary] of Object.entries(doc.days ?? {}))
      if (wanted.has(date)) byDate.set(date, unpackScope(summary));
    if (!rangeMonths.has(doc.month)) continue;
    for (const [id, n] of Object.entries(doc.courseTotals ?? {}))
      courseCounts.set(id, (courseCounts.get(id) ?? 0) + n);
  }
  const dayOf = (date: string): DayOfSummaries => {
    const summary = byDate.get(date);
    return summary ? { date, summary } : { date };
  };
  const summary = summarise(dates.map(dayOf), {
    from: query.from,
    to: query.to,
    now: query.now ?? Date.now(),
  });
  const figures = topicFigures(history.map(dayOf), { from: query.from, to: query.to, rule: spikeRule });
  const [teamNames, courses, labels] = await Promise.all([
    namesOfTeams(
      query.tenantId,
      summary.slaByTeam.map((row) => row.id),
    ),
    query.courseId ? Promise.resolve([]) : busiestCourses(query.tenantId, courseCounts),
    findEachInTenant(
      TopicModel,
      figures.map((f) => f.topicId),
      query.tenantId,
      { label: 1 },
    ),
  ]);
  return {
    ...summary,
    from: query.from,
    to: query.to,
    ...(query.courseId ? { courseId: query.courseId } : {}),
    teamNames,
    courses,
    topics: figures.map((f, i) => ({ ...f, label: labels[i]?.label ?? 'Topic without a label' })),
    spikeRule,
  };
}

async function namesOfTeams(tenantId: string, ids: readonly string[]): Promise<Record<string, string>> {
  const teams = await findEachInTenant(TeamModel, ids, tenantId, { name: 1 });
  const out: Record<string, string> = {};
  teams.forEach((team, i) => {
    const id = ids[i];
    if (team && id) out[id] = team.name;
  });
  return out;
}

async function busiestCourses(tenantId: string, counts: Map<string, number>): Promise<Dashboard['courses']> {
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, COURSE_OPTIONS);
  const courses = await findEachInTenant(
    CourseModel,
    top.map(([id]) => id),
    tenantId,
    { title: 1, label: 1 },
  );
  return top.map(([id, conversations], i) => ({
    id,
    title: courses[i]?.title ?? courses[i]?.label ?? 'Untitled course',
    conversations,
  }));
}
