import { InsertBatcher } from '../lib/insert-batcher.js';
import type { Logger } from '../lib/logger.js';
import { type AuditEntry, auditCollection } from './inbox.models.js';

const isDuplicateKey = (error: unknown) => (error as { code?: number })?.code === 11000;

/**
 * Writes the audit log behind the actions it records: the admin's answer does not wait for its entry.
 * Entries of the same few milliseconds go in one insert, so on FerretDB (which commits one write at a
 * time) an entry never queues in front of the thread writes of the next action.
 *
 * An entry is kept in memory for at most `delayMs` plus its write; a failed write is retried, and an entry
 * that still cannot be stored is logged in full (never silently lost). Shutdown drains what is pending,
 * and so does reading the log, so an admin sees their own last action there. The action itself is also
 * told by the thread's events (who, what, when), which are stored before the admin gets an answer.
 */
export class AuditTrail {
  private readonly inserts: InsertBatcher;
  private readonly pending = new Set<Promise<void>>();
  private queued: AuditEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly delayMs: number;
  private readonly retryDelaysMs: readonly number[];

  constructor(
    private readonly options: {
      logger?: Logger;
      /** Where entries go (default the audit collection). */
      collection?: ConstructorParameters<typeof InsertBatcher>[0];
      /** How long an entry waits for others to go with it (default 20 ms). */
      delayMs?: number;
      /** Waits between attempts of a failed write (default 200 ms, 1 s, 5 s). */
      retryDelaysMs?: readonly number[];
    } = {},
  ) {
    this.delayMs = options.delayMs ?? 20;
    this.retryDelaysMs = options.retryDelaysMs ?? [200, 1000, 5000];
    this.inserts = new InsertBatcher(options.collection ?? auditCollection);
  }

  /** Queues an entry; it is stored within moments, together with the others queued meanwhile. */
  record(entry: AuditEntry): void {
    this.queued.push(entry);
    this.timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  /** Resolves once every entry recorded so far is stored (or, after its last attempt, logged). */
  async drain(): Promise<void> {
    if (this.queued.length) this.flush();
    await Promise.all([...this.pending]);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queued;
    this.queued = [];
    const stored = this.inserts.insertAll(batch);
    batch.forEach((entry, i) => {
      const written = (stored[i] as Promise<void>)
        .catch((error: unknown) => this.retry(entry, error, 0))
        .finally(() => this.pending.delete(written));
      this.pending.add(written);
    });
  }

  private async retry(entry: AuditEntry, error: unknown, attempt: number): Promise<void> {
    // Already there: an earlier attempt was stored although its answer never came.
    if (isDuplicateKey(error)) return;
    const delayMs = this.retryDelaysMs[attempt];
    if (delayMs === undefined) {
      this.options.logger?.error({ err: error, audit: entry }, 'audit entry could not be stored');
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    await this.inserts.insert(entry).catch((next: unknown) => this.retry(entry, next, attempt + 1));
  }
}
