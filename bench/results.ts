// The headline figures of a bench run in fixed keys (bench/results.json), so runs on different days and
// machines can be compared by a script: which bench and which printed figure each key is taken from.

/** Figures printed by each bench, by the bench's heading in bench/run.ts. */
export type BenchFigures = Map<string, Record<string, number | string>>;

type Source = [bench: string, figure: string];

const KEYS: Record<string, Record<string, Source>> = {
  launch: {
    p95Ms: ['LTI launch', 'underLoadP95Ms'],
    perSecond: ['LTI launch', 'launchesPerSecond'],
  },
  chat: {
    concurrency: ['Learner chat', 'learners'],
    p50Ms: ['Learner chat', 'pacedAnswerP50Ms'],
    p95Ms: ['Learner chat', 'pacedAnswerP95Ms'],
    p99Ms: ['Learner chat', 'pacedAnswerP99Ms'],
  },
  chatCrowd: {
    concurrency: ['Learner chat', 'crowdLearners'],
    p50Ms: ['Learner chat', 'crowdAnswerP50Ms'],
    p95Ms: ['Learner chat', 'crowdAnswerP95Ms'],
    p99Ms: ['Learner chat', 'crowdAnswerP99Ms'],
  },
  liveConnections: { idleHeld: ['Learner chat', 'idleConnectionsHeld'] },
  inbox: {
    conversations: ['Admin inbox', 'conversations'],
    p95Ms: ['Admin inbox', 'default views + counts p95 ms'],
  },
  claim: { p95Ms: ['Admin inbox', 'claim (thread open first) p95 ms'] },
  retrieval: {
    chunks: ['Knowledge retrieval', 'chunks'],
    p95Ms: ['Knowledge retrieval', 'hybridP95Ms'],
  },
  sla: {
    pending: ['SLA timers', 'pendingTimers'],
    latenessP50Ms: ['SLA timers', 'latenessP50Ms'],
    latenessP99Ms: ['SLA timers', 'latenessP99Ms'],
    bytesPerTimer: ['SLA timers', 'redisBytesPerTimer'],
  },
};

/** A printed figure as a number: some carry their target after the value ("412 (target ≤ 500: ✓)"). */
function numberOf(value: number | string | undefined): number | undefined {
  if (typeof value === 'number') return value;
  const parsed = Number.parseFloat(String(value ?? '').replace(/,/g, ''));
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** The fixed keys of every group whose bench ran in this session. */
export function summarise(measured: BenchFigures): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [group, fields] of Object.entries(KEYS)) {
    const values: Record<string, number> = {};
    for (const [field, [bench, figure]] of Object.entries(fields)) {
      const printed = [...measured].find(([name]) => name.startsWith(bench))?.[1][figure];
      const value = numberOf(printed);
      if (value !== undefined) values[field] = value;
    }
    if (Object.keys(values).length) out[group] = values;
  }
  return out;
}
