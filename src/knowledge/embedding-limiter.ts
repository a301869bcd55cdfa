/**
 * Where a task waits: a question's embedding goes first, then an upload's passages, then the fill job's
 * (which can wait: its document is live already).
 */
export type EmbeddingPriority = 'query' | 'document' | 'backfill';

const ORDER: readonly EmbeddingPriority[] = ['query', 'document', 'backfill'];

interface Waiting {
  priority: EmbeddingPriority;
  start: () => void;
  cancel: (reason: unknown) => void;
}

/** Thrown for a task that was dropped before it started (its caller gave up, or the server is failing). */
export class EmbeddingCancelledError extends Error {
  constructor(message = 'the embedding request was cancelled before it was sent') {
    super(message);
    this.name = 'EmbeddingCancelledError';
  }
}

/**
 * At most `concurrency` embedding requests in flight per process, whatever runs them (64 ingestion jobs,
 * retry jobs, questions): a slow single-threaded embedding server is never flooded. Questions wait ahead
 * of document batches; a task whose signal aborts while it waits is dropped without being sent.
 */
export class EmbeddingLimiter {
  private active = 0;
  private readonly lines: Record<EmbeddingPriority, Waiting[]> = { query: [], document: [], backfill: [] };
  /** The most tasks that ran at once (for tests and measurements). */
  peak = 0;
  /** Moving average of how long a task runs (0 before the first). */
  private averageMs = 0;

  constructor(readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('concurrency must be at least 1');
  }

  /** Tasks running now. */
  get running(): number {
    return this.active;
  }

  /** Tasks waiting for a slot. */
  get waiting(): number {
    return this.lines.query.length + this.lines.document.length + this.lines.backfill.length;
  }

  /**
   * About how long a task queued now would wait for a slot: the tasks ahead of it, `concurrency` at a
   * time, at the recent average duration (0 while a slot is free or before any task finished).
   */
  expectedWaitMs(priority: EmbeddingPriority = 'document'): number {
    if (this.active < this.concurrency) return 0;
    let ahead = 0;
    for (const p of ORDER.slice(0, ORDER.indexOf(priority) + 1)) ahead += this.lines[p].length;
    return Math.ceil((ahead + 1) / this.concurrency) * this.averageMs;
  }

  /** Runs `task` when a slot is free; rejects with the signal's reason if it aborts first. */
  async run<T>(
    task: () => Promise<T>,
    options: { priority?: EmbeddingPriority; signal?: AbortSignal } = {},
  ): Promise<T> {
    const { signal } = options;
    if (signal?.aborted) throw signal.reason ?? new EmbeddingCancelledError();
    if (this.active >= this.concurrency || this.waiting > 0) {
      await new Promise<void>((resolve, reject) => {
        const line = this.lines[options.priority ?? 'document'];
        const onAbort = () => {
          const at = line.indexOf(entry);
          if (at >= 0) line.splice(at, 1);
          reject(signal?.reason ?? new EmbeddingCancelledError());
        };
        const entry: Waiting = {
          priority: options.priority ?? 'document',
          start: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
          cancel: (reason) => {
            signal?.removeEventListener('abort', onAbort);
            reject(reason);
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        line.push(entry);
      });
    } else this.active++;
    this.peak = Math.max(this.peak, this.active);
    const started = performance.now();
    try {
      return await task();
    } finally {
      const took = performance.now() - started;
      this.averageMs = this.averageMs === 0 ? took : 0.8 * this.averageMs + 0.2 * took;
      this.release();
    }
  }

  /** Drops every waiting task of a priority with `reason` (the server is failing: do not queue behind it). */
  cancelWaiting(priority: EmbeddingPriority, reason: unknown): number {
    const line = this.lines[priority];
    const dropped = line.splice(0, line.length);
    for (const entry of dropped) entry.cancel(reason);
    return dropped.length;
  }

  private release(): void {
    // The slot passes straight to the next task, so `active` never dips and lets a newcomer jump the line.
    const next = this.lines.query.shift() ?? this.lines.document.shift() ?? this.lines.backfill.shift();
    if (next) next.start();
    else this.active--;
  }
}

/** Splits `items` into runs of at most `size`. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
