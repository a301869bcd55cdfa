import type { DayOfSummaries } from './dashboard-summary.js';

/** When a topic's week counts as a spike (per tenant, see insight-settings.ts). */
export interface SpikeRule {
  /** This week at least this many times the trailing weekly average… */
  factor: number;
  /** …and at least this many threads. */
  minThreads: number;
  /** Weeks the average is taken over, before this week. */
  trailingWeeks: number;
}

export const DEFAULT_SPIKE_RULE: SpikeRule = { factor: 2, minThreads: 5, trailingWeeks: 4 };

export interface TopicFigure {
  topicId: string;
  /** Handed-off threads with this topic in the range. */
  threads: number;
  /**
   * Threads per week, oldest first: the range cut into 7-day weeks ending on its last day (a first,
   * partial week counts what it has).
   */
  weekly: number[];
  /** The week that ends on the range's last day, and the average of the weeks before it (rule's span). */
  thisWeek: number;
  trailingAverage: number;
  spike: boolean;
  /** Questions behind it, newest days first. */
  examples: string[];
}

const DAY = 86_400_000;

/** The day `n` days before `date` (YYYY-MM-DD). */
export function daysBefore(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - n * DAY).toISOString().slice(0, 10);
}

/**
 * The topics behind handoffs in [from, to], busiest first (top `limit`), each with its weekly trend, and
 * whether its last week is a spike by the rule (judged on the `trailingWeeks` before it, which may reach
 * before `from`: `days` must cover them). Spiking topics outside the top are listed too.
 */
export function topicFigures(
  days: readonly DayOfSummaries[],
  options: { from: string; to: string; rule: SpikeRule; limit?: number; examples?: number },
): TopicFigure[] {
  const byDate = new Map(days.map((d) => [d.date, d.summary]));
  const spanDays =
    Math.round((Date.parse(`${options.to}T00:00:00Z`) - Date.parse(`${options.from}T00:00:00Z`)) / DAY) + 1;
  const weeksInRange = Math.ceil(spanDays / 7);
  const historyWeeks = Math.max(weeksInRange, options.rule.trailingWeeks + 1);
  // counts[topic][w]: week w ends (historyWeeks - 1 - w) weeks before `to`.
  const counts = new Map<string, number[]>();
  const inRange = new Map<string, number>();
  const examples = new Map<string, string[]>();
  for (let back = 0; back < historyWeeks * 7; back++) {
    const date = daysBefore(options.to, back);
    const summary = byDate.get(date);
    if (!summary) continue;
    const week = historyWeeks - 1 - Math.floor(back / 7);
    for (const [topicId, n] of Object.entries(summary.topics)) {
      let row = counts.get(topicId);
      if (!row) {
        row = new Array<number>(historyWeeks).fill(0);
        counts.set(topicId, row);
      }
      row[week] = (row[week] ?? 0) + n;
      if (back < spanDays) {
        inRange.set(topicId, (inRange.get(topicId) ?? 0) + n);
        const list = examples.get(topicId) ?? [];
        for (const q of summary.topicExamples[topicId] ?? [])
          if (list.length < (options.examples ?? 3)) list.push(q);
        examples.set(topicId, list);
      }
    }
  }
  const { factor, minThreads, trailingWeeks } = options.rule;
  const figures: TopicFigure[] = [...counts.entries()].map(([topicId, row]) => {
    const thisWeek = row[historyWeeks - 1] ?? 0;
    const trailing = row.slice(historyWeeks - 1 - trailingWeeks, historyWeeks - 1);
    const trailingAverage = trailing.reduce((a, b) => a + b, 0) / Math.max(1, trailingWeeks);
    return {
      topicId,
      threads: inRange.get(topicId) ?? 0,
      weekly: row.slice(historyWeeks - weeksInRange),
      thisWeek,
      trailingAverage,
      spike: thisWeek >= minThreads && thisWeek >= factor * trailingAverage,
      examples: examples.get(topicId) ?? [],
    };
  });
  const ranked = figures
    .filter((f) => f.threads > 0)
    .sort((a, b) => b.threads - a.threads || a.topicId.localeCompare(b.topicId));
  const top = ranked.slice(0, options.limit ?? 10);
  const extraSpikes = ranked.slice(options.limit ?? 10).filter((f) => f.spike);
  return [...top, ...extraSpikes];
}
