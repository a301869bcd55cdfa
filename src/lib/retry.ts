import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from './logger.js';

export interface WaitOptions {
  logger: Logger;
  /** Shown in log lines, e.g. "MongoDB at mongodb://127.0.0.1:27017/chatref". */
  what: string;
  /** Give up after this long; undefined waits forever (a service that starts later is normal in compose). */
  timeoutMs?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  signal?: AbortSignal;
}

/**
 * Calls `probe` until it succeeds, backing off exponentially and logging one line per failure,
 * so a missing database reads as "MongoDB ... unreachable, retrying in 4s" rather than a stack trace.
 */
export async function waitUntilReachable<T>(probe: () => Promise<T>, options: WaitOptions): Promise<T> {
  const { logger, what, timeoutMs, initialDelayMs = 250, maxDelayMs = 10_000, signal } = options;
  const started = Date.now();
  let delay = initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await probe();
    } catch (error) {
      const reason = (error as Error).message?.split('\n')[0] ?? String(error);
      if (signal?.aborted) throw new Error(`${what} unreachable: ${reason}`);
      if (timeoutMs !== undefined && Date.now() - started + delay > timeoutMs) {
        throw new Error(`${what} unreachable after ${Math.round((Date.now() - started) / 1000)}s: ${reason}`);
      }
      if (attempt > 1 || delay >= 1000) {
        logger.warn(`${what} unreachable (${reason}); retrying in ${(delay / 1000).toFixed(1)}s`);
      }
      await sleep(delay, undefined, { signal }).catch(() => undefined);
      delay = Math.min(delay * 2, maxDelayMs);
    }
  }
}
