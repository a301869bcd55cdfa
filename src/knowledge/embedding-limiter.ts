/** Where a task waits: a question's embedding goes before document batches already waiting. */
export type EmbeddingPriority = 'query' | 'document';

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
  private readonly queries: Waiting[] = [];
  private readonly documents: Waiting[] = [];
  /** The most tasks that ran at once (for tests and measurements). */
  peak = 0;

  constructor(readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('concurrency must be at least 1');
  }

  /** Tasks running now. */
  get running(): number {
    return this.active;
  }

  /** Tasks waiting for a slot. */
  get waiting(): number {
    return this.queries.length + this.documents.length;
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
        const line = options.priority === 'query' ? this.queries : this.documents;
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
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  /** Drops every waiting task of a priority with `reason` (the server is failing: do not queue behind it). */
  cancelWaiting(priority: EmbeddingPriority, reason: unknown): number {
    const line = priority === 'query' ? this.queries : this.documents;
    const dropped = line.splice(0, line.length);
    for (const entry of dropped) entry.cancel(reason);
    return dropped.length;
  }

  private release(): void {
    // The slot passes straight to the next task, so `active` never dips and lets a newcomer jump the line.
    const next = this.queries.shift() ?? this.documents.shift();
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
