import type { HandoffReasonCode } from '../handoff/handoff.types.js';
import type { ThreadFacts } from './thread-facts.js';

/** A learner who writes again within this long after the bot's answer was not helped by it. */
export const DEFLECTION_QUIET_MS = 24 * 3600 * 1000;

export interface SlaCount {
  met: number;
  breached: number;
  name?: string;
}

/**
 * One day's threads (all of them, or one course's) reduced to what the dashboard adds up: counts, and the
 * durations themselves so percentiles over any range stay exact. Small: a busy day is a few kilobytes.
 */
export interface ScopeSummary {
  conversations: number;
  answered: number;
  handedOff: number;
  reasons: Partial<Record<HandoffReasonCode, number>>;
  /** Milliseconds from the first handoff to the first staff reply, and to the resolution, sorted. */
  firstResponseMs: number[];
  resolutionMs: number[];
  /**
   * Threads the bot answered and nobody else touched: `deflected` were already quiet 24 hours when the
   * summary was made; `quietSince` are those that were not yet (they count once their 24 hours pass).
   * `decided`: answered threads with a known outcome at that time (deflected or handed off).
   */
  deflected: number;
  decided: number;
  quietSince: number[];
  slaTeams: Record<string, SlaCount>;
  slaAdmins: Record<string, SlaCount>;
  up: number;
  down: number;
  /** Handed-off threads per topic of their questions (a thread counts once per topic). */
  topics: Record<string, number>;
  /** A few of those threads' questions per topic (examples beside a spike). */
  topicExamples: Record<string, string[]>;
}

/** Example questions kept per topic and day. */
export const TOPIC_EXAMPLES_PER_DAY = 3;

/** A day's summary: the whole tenant, and each course that had threads. */
export interface DaySummary {
  all: ScopeSummary;
  courses: Record<string, ScopeSummary>;
}

export function emptyScope(): ScopeSummary {
  return {
    conversations: 0,
    answered: 0,
    handedOff: 0,
    reasons: {},
    firstResponseMs: [],
    resolutionMs: [],
    deflected: 0,
    decided: 0,
    quietSince: [],
    slaTeams: {},
    slaAdmins: {},
    up: 0,
    down: 0,
    topics: {},
    topicExamples: {},
  };
}

function countSla(rows: Record<string, SlaCount>, id: string, breached: boolean, name?: string): void {
  const row = rows[id] ?? { met: 0, breached: 0 };
  if (breached) row.breached++;
  else row.met++;
  if (name) row.name = name;
  rows[id] = row;
}

/** Adds one thread to a scope's summary (made at `now`). */
export function addThread(scope: ScopeSummary, t: ThreadFacts, now: number): void {
  scope.conversations++;
  if (t.answers > 0) scope.answered++;
  if (t.handoffs > 0) {
    scope.handedOff++;
    if (t.answers > 0) scope.decided++;
    for (const code of t.reasons) scope.reasons[code] = (scope.reasons[code] ?? 0) + 1;
    if (t.handedOffAt !== undefined && t.firstReplyAt !== undefined)
      scope.firstResponseMs.push(t.firstReplyAt - t.handedOffAt);
    if (t.handedOffAt !== undefined && t.resolvedAt !== undefined)
      scope.resolutionMs.push(t.resolvedAt - t.handedOffAt);
  } else if (t.answers > 0) {
    const quietSince = Math.max(t.lastLearnerAt ?? t.openedAt, t.openedAt);
    if (now - quietSince >= DEFLECTION_QUIET_MS) {
      scope.deflected++;
      scope.decided++;
    } else scope.quietSince.push(quietSince);
  }
  if (t.slaTracked && (t.slaBreached || t.resolvedAt !== undefined)) {
    const breached = t.slaBreached === true;
    if (t.teamId) countSla(scope.slaTeams, t.teamId, breached);
    if (t.assigneeId) countSla(scope.slaAdmins, t.assigneeId, breached, t.assigneeName);
  }
  for (const value of Object.values(t.ratings ?? {})) {
    if (value === 'up') scope.up++;
    else scope.down++;
  }
  if (t.handoffs > 0) {
    const seen = new Set<string>();
    for (const { topicId, question } of Object.values(t.topics ?? {})) {
      if (seen.has(topicId)) continue;
      seen.add(topicId);
      scope.topics[topicId] = (scope.topics[topicId] ?? 0) + 1;
      const examples = scope.topicExamples[topicId] ?? [];
      if (examples.length < TOPIC_EXAMPLES_PER_DAY) examples.push(question);
      scope.topicExamples[topicId] = examples;
    }
  }
}

/** A day's threads summarised, for the tenant and per course (durations sorted). */
export function summariseDay(threads: Iterable<ThreadFacts>, now: number): DaySummary {
  const day: DaySummary = { all: emptyScope(), courses: {} };
  for (const t of threads) {
    addThread(day.all, t, now);
    if (t.courseId) {
      day.courses[t.courseId] ??= emptyScope();
      addThread(day.courses[t.courseId] as ScopeSummary, t, now);
    }
  }
  for (const scope of [day.all, ...Object.values(day.courses)]) {
    scope.firstResponseMs.sort((a, b) => a - b);
    scope.resolutionMs.sort((a, b) => a - b);
  }
  return day;
}

/**
 * A scope summary as stored: its duration lists as one string each (whole seconds, base 36, comma
 * separated). A year's range reads 12 months of them; as number arrays they cost several times more to
 * decode on FerretDB than the figures are worth (measured in bench/insights.bench.ts).
 */
export type StoredScopeSummary = Omit<ScopeSummary, 'firstResponseMs' | 'resolutionMs' | 'quietSince'> & {
  firstResponseS: string;
  resolutionS: string;
  quietSinceS: string;
};

const packSeconds = (ms: readonly number[]) => ms.map((v) => Math.round(v / 1000).toString(36)).join(',');
const unpackSeconds = (text: string | undefined) =>
  text ? text.split(',').map((v) => Number.parseInt(v, 36) * 1000) : [];

export function packScope(scope: ScopeSummary): StoredScopeSummary {
  const { firstResponseMs, resolutionMs, quietSince, ...rest } = scope;
  return {
    ...rest,
    firstResponseS: packSeconds(firstResponseMs),
    resolutionS: packSeconds(resolutionMs),
    quietSinceS: packSeconds(quietSince),
  };
}

export function unpackScope(stored: StoredScopeSummary): ScopeSummary {
  const { firstResponseS, resolutionS, quietSinceS, ...rest } = stored;
  return {
    ...rest,
    topics: rest.topics ?? {},
    topicExamples: rest.topicExamples ?? {},
    firstResponseMs: unpackSeconds(firstResponseS),
    resolutionMs: unpackSeconds(resolutionS),
    quietSince: unpackSeconds(quietSinceS),
  };
}
