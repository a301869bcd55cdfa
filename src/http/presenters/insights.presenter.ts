import { HANDOFF_REASON_LABELS } from '../../handoff/reason-labels.js';
import type { Dashboard } from '../../insights/dashboard.service.js';
import type { DurationSummary } from '../../insights/dashboard-summary.js';

/** The tables the page shows and exports, by the name the CSV export takes. */
export const INSIGHT_TABLES = ['summary', 'daily', 'reasons', 'topics', 'sla-teams', 'sla-admins'] as const;
export type InsightTable = (typeof INSIGHT_TABLES)[number];

const percent = (rate: number | null) => (rate === null ? null : Math.round(rate * 1000) / 10);
const minutes = (ms: number | null) => (ms === null ? null : Math.round(ms / 6000) / 10);

const durationDto = (d: DurationSummary) => ({
  count: d.count,
  p50Minutes: minutes(d.p50Ms),
  p90Minutes: minutes(d.p90Ms),
});

export type DashboardDto = ReturnType<typeof presentDashboard>;

/** The dashboard as the page reads it: rates in percent (one decimal), durations in minutes. */
export function presentDashboard(d: Dashboard, timeZone: string) {
  return {
    from: d.from,
    to: d.to,
    timeZone,
    courseId: d.courseId ?? null,
    courses: d.courses,
    conversations: d.conversations,
    answered: d.answered,
    handedOff: d.handedOff,
    handoffPercent: percent(d.handoffRate),
    reasons: d.reasons.map((r) => ({
      code: r.code,
      label: HANDOFF_REASON_LABELS[r.code] ?? r.code,
      threads: r.threads,
      percent: percent(r.rate),
    })),
    deflection: { ...d.deflection, percent: percent(d.deflection.rate) },
    firstResponse: durationDto(d.firstResponse),
    resolution: durationDto(d.resolution),
    slaByTeam: d.slaByTeam.map((r) => ({
      id: r.id,
      name: d.teamNames[r.id] ?? 'Deleted team',
      met: r.met,
      breached: r.breached,
      metPercent: percent(r.metRate),
    })),
    slaByAdmin: d.slaByAdmin.map((r) => ({
      id: r.id,
      name: r.name ?? 'Unnamed admin',
      met: r.met,
      breached: r.breached,
      metPercent: percent(r.metRate),
    })),
    ratings: { up: d.ratings.up, down: d.ratings.down, upPercent: percent(d.ratings.upRate) },
    daily: d.daily,
    topics: d.topics.map((t) => ({
      id: t.topicId,
      label: t.label,
      threads: t.threads,
      weekly: t.weekly,
      thisWeek: t.thisWeek,
      trailingAverage: Math.round(t.trailingAverage * 10) / 10,
      spike: t.spike,
      examples: t.examples,
    })),
    spikeRule: d.spikeRule,
  };
}

const blank = (value: number | null) => (value === null ? '' : value);

/** One table of the dashboard as CSV rows, header first (cells are escaped by the CSV writer). */
export function tableRows(d: DashboardDto, table: InsightTable): unknown[][] {
  switch (table) {
    case 'summary':
      return [
        ['Measure', 'Value'],
        ['Conversations', d.conversations],
        ['Answered by the bot', d.answered],
        ['Handed off', d.handedOff],
        ['Handoff rate %', blank(d.handoffPercent)],
        ['Deflection rate %', blank(d.deflection.percent)],
        ['First response p50 (minutes)', blank(d.firstResponse.p50Minutes)],
        ['First response p90 (minutes)', blank(d.firstResponse.p90Minutes)],
        ['Resolution p50 (minutes)', blank(d.resolution.p50Minutes)],
        ['Resolution p90 (minutes)', blank(d.resolution.p90Minutes)],
        ['Thumbs up', d.ratings.up],
        ['Thumbs down', d.ratings.down],
      ];
    case 'daily':
      return [
        ['Date', 'Conversations', 'Handed off'],
        ...d.daily.map((r) => [r.date, r.conversations, r.handedOff]),
      ];
    case 'reasons':
      return [
        ['Reason', 'Threads', 'Share of conversations %'],
        ...d.reasons.map((r) => [r.label, r.threads, blank(r.percent)]),
      ];
    case 'topics':
      return [
        [
          'Topic',
          'Handed-off conversations',
          'Last 7 days',
          'Weekly average before',
          'Spike',
          'Example question',
        ],
        ...d.topics.map((t) => [
          t.label,
          t.threads,
          t.thisWeek,
          t.trailingAverage,
          t.spike ? 'yes' : 'no',
          t.examples[0] ?? '',
        ]),
      ];
    case 'sla-teams':
      return [
        ['Team', 'Met', 'Breached', 'Met %'],
        ...d.slaByTeam.map((r) => [r.name, r.met, r.breached, blank(r.metPercent)]),
      ];
    case 'sla-admins':
      return [
        ['Admin', 'Met', 'Breached', 'Met %'],
        ...d.slaByAdmin.map((r) => [r.name, r.met, r.breached, blank(r.metPercent)]),
      ];
  }
}
