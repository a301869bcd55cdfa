const STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/** What the depth collector needs of the queues (src/jobs/queues.ts `Queues`). */
export interface QueueSource {
  names: readonly string[];
  counts(name: string): Promise<Record<string, number>>;
}

let source: QueueSource | null = null;

/**
 * Queue depths are read from Redis when Prometheus scrapes (one small round trip per queue), not on a
 * timer: an idle process does no work for metrics. Returns a removal for shutdown.
 */
export function watchQueueDepths(next: QueueSource): () => void {
  source = next;
  return () => {
    if (source === next) source = null;
  };
}

export type QueueDepths = { queue: string; state: string; jobs: number }[];

/** Every watched queue's jobs per state now; `unavailable` when Redis does not answer. */
export async function readQueueDepths(): Promise<QueueDepths | 'unavailable'> {
  const current = source;
  if (!current) return [];
  try {
    const all = await Promise.all(
      current.names.map(async (queue) => ({ queue, counts: await current.counts(queue) })),
    );
    return all.flatMap(({ queue, counts }) =>
      STATES.map((state) => ({ queue, state, jobs: counts[state] ?? 0 })),
    );
  } catch {
    return 'unavailable';
  }
}
