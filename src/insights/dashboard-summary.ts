import type { HandoffReasonCode } from '../handoff/handoff.types.js';
import { percentile } from '../lib/percentile.js';
import { DEFLECTION_QUIET_MS, type ScopeSummary, type SlaCount } from './day-summary.js';

export interface DayOfSummaries {
  /** The tenant's local date (YYYY-MM-DD). */
  date: string;
  /** That day's summary for the scope asked for (the tenant, or one course); absent: no threads. */
  summary?: ScopeSummary;
}

export interface DurationSummary {
  /** Threads measured. */
  count: number;
  p50Ms: number | null;
  p90Ms: number | null;
}

export interface SlaRow {
  id: string;
  met: number;
  breached: number;
  /** Met share of the threads whose SLA ended (null when none did). */
  metRate: number | null;
}

export interface DashboardSummary {
  conversations: number;
  /** Threads the bot answered at least once. */
  answered: number;
  /** Threads handed to people, and their share of all threads. */
  handedOff: number;
  handoffRate: number | null;
  /** Threads per handoff reason (a thread with two reasons counts in both), and the share of all threads. */
  reasons: { code: HandoffReasonCode; threads: number; rate: number | null }[];
  /**
   * Threads the bot answered, never handed off, whose learner stayed away for 24 hours after it (deflected),
   * over the answered threads whose outcome is known; `pending` are still inside their 24 hours.
   */
  deflection: { deflected: number; decided: number; pending: number; rate: number | null };
  /** From the first handoff to the first staff reply, and to the first resolution after it. */
  firstResponse: DurationSummary;
  resolution: DurationSummary;
  /** SLA outcome of threads whose clocks ended: resolved without a breach (met) or breached. */
  slaByTeam: SlaRow[];
  slaByAdmin: (SlaRow & { name?: string })[];
  ratings: { up: number; down: number; upRate: number | null };
  /** Per day of the range, in order, every day present (zeros included) for the charts. */
  daily: { date: string; conversations: number; handedOff: number }[];
}

const share = (n: number, d: number): number | null => (d > 0 ? n / d : null);

function durations(sorted: number[]): DurationSummary {
  return { count: sorted.length, p50Ms: percentile(sorted, 50), p90Ms: percentile(sorted, 90) };
}

/** Every date from `from` to `to` inclusive (YYYY-MM-DD, calendar days). */
export function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= end; t += 86_400_000)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** Sorted arrays merged into one sorted array. */
function mergeSorted(arrays: readonly (readonly number[])[]): number[] {
  return arrays.flat().sort((a, b) => a - b);
}

/**
 * The dashboard's figures for the threads that started in the range, from each day's summary. Exact: the
 * durations behind every percentile are kept per day, and a bot-only thread's 24 hours are judged at `now`.
 */
export function summarise(
  days: readonly DayOfSummaries[],
  options: { from: string; to: string; now: number },
): DashboardSummary {
  const byDate = new Map(days.map((d) => [d.date, d.summary]));
  const reasonCounts = new Map<HandoffReasonCode, number>();
  const teams = new Map<string, SlaRow & { name?: string }>();
  const admins = new Map<string, SlaRow & { name?: string }>();
  const firstResponse: number[][] = [];
  const resolution: number[][] = [];
  const daily: DashboardSummary['daily'] = [];
  let conversations = 0;
  let answered = 0;
  let handedOff = 0;
  let deflected = 0;
  let decided = 0;
  let pending = 0;
  let up = 0;
  let down = 0;
  const addSla = (rows: Map<string, SlaRow & { name?: string }>, counts: Record<string, SlaCount>) => {
    for (const [id, count] of Object.entries(counts)) {
      const row = rows.get(id) ?? { id, met: 0, breached: 0, metRate: null };
      row.met += count.met;
      row.breached += count.breached;
      if (count.name) row.name = count.name;
      rows.set(id, row);
    }
  };

  for (const date of datesBetween(options.from, options.to)) {
    const s = byDate.get(date);
    daily.push({ date, conversations: s?.conversations ?? 0, handedOff: s?.handedOff ?? 0 });
    if (!s) continue;
    conversations += s.conversations;
    answered += s.answered;
    handedOff += s.handedOff;
    for (const [code, n] of Object.entries(s.reasons) as [HandoffReasonCode, number][])
      reasonCounts.set(code, (reasonCounts.get(code) ?? 0) + n);
    firstResponse.push(s.firstResponseMs);
    resolution.push(s.resolutionMs);
    deflected += s.deflected;
    decided += s.decided;
    for (const quietSince of s.quietSince) {
      if (options.now - quietSince >= DEFLECTION_QUIET_MS) {
        deflected++;
        decided++;
      } else pending++;
    }
    addSla(teams, s.slaTeams);
    addSla(admins, s.slaAdmins);
    up += s.up;
    down += s.down;
  }

  const withRate = <R extends SlaRow>(rows: Map<string, R>): R[] =>
    [...rows.values()]
      .map((r) => ({ ...r, metRate: share(r.met, r.met + r.breached) }))
      .sort((a, b) => b.met + b.breached - (a.met + a.breached) || a.id.localeCompare(b.id));

  return {
    conversations,
    answered,
    handedOff,
    handoffRate: share(handedOff, conversations),
    reasons: [...reasonCounts.entries()]
      .map(([code, threads]) => ({ code, threads, rate: share(threads, conversations) }))
      .sort((a, b) => b.threads - a.threads || a.code.localeCompare(b.code)),
    deflection: { deflected, decided, pending, rate: share(deflected, decided) },
    firstResponse: durations(mergeSorted(firstResponse)),
    resolution: durations(mergeSorted(resolution)),
    slaByTeam: withRate(teams),
    slaByAdmin: withRate(admins),
    ratings: { up, down, upRate: share(up, up + down) },
    daily,
  };
}
