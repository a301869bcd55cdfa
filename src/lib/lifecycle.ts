import type { Logger } from './logger.js';

type Hook = { name: string; run: () => Promise<void> | void };

/**
 * Ordered shutdown: hooks run in reverse registration order (last opened, first closed),
 * each bounded by what is left of the overall budget, so one stuck resource cannot hang the exit.
 */
export class Lifecycle {
  private readonly hooks: Hook[] = [];
  private stopping: Promise<void> | undefined;
  private readonly background = new Set<Promise<void>>();

  constructor(
    private readonly logger: Logger,
    private readonly timeoutMs: number,
  ) {}

  /** Registers something to close on shutdown. */
  onShutdown(name: string, run: Hook['run']): void {
    this.hooks.push({ name, run });
  }

  /**
   * Work a request started but did not wait for (a chat answer written after the reply): {@link settle}
   * waits for it, so a shutdown hook can let it finish before the connections it needs close.
   */
  track(work: Promise<unknown>): void {
    const settled: Promise<void> = work.then(
      () => undefined,
      () => undefined,
    );
    this.background.add(settled);
    void settled.then(() => this.background.delete(settled));
  }

  /** Resolves once no tracked work is in progress (including work tracked while it waits). */
  async settle(): Promise<void> {
    if (this.background.size)
      this.logger.info({ tasks: this.background.size }, 'waiting for work in progress');
    while (this.background.size) await Promise.all([...this.background]);
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** Runs every hook once; later calls return the same promise. */
  shutdown(reason: string): Promise<void> {
    this.stopping ??= this.runHooks(reason);
    return this.stopping;
  }

  private async runHooks(reason: string): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    this.logger.info({ reason }, 'shutting down');
    for (const hook of [...this.hooks].reverse()) {
      const remaining = Math.max(deadline - Date.now(), 100);
      let timer: NodeJS.Timeout | undefined;
      const started = Date.now();
      try {
        await Promise.race([
          Promise.resolve().then(hook.run),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`did not finish within ${remaining} ms`)), remaining);
          }),
        ]);
      } catch (error) {
        this.logger.warn({ err: error }, `shutdown: ${hook.name} failed`);
      } finally {
        clearTimeout(timer);
        this.logger.debug({ hook: hook.name, ms: Date.now() - started }, 'closed');
      }
    }
    this.logger.info('shut down cleanly');
  }

  /**
   * Wires SIGTERM/SIGINT to shutdown and exits 0 when it is done. Repeated signals are ignored:
   * npm and tsx relay Ctrl-C, so one keypress can arrive twice, and the timeout already bounds the wait.
   */
  handleSignals(exit: (code: number) => void = process.exit): void {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.on(signal, () => {
        if (this.isStopping) return;
        void this.shutdown(signal).then(() => exit(0));
      });
    }
  }
}
