import type { ClockState } from './clock.js';

/** A thread's clocks as loaded, with the version the next save writes over. */
export interface LoadedClock {
  state: ClockState;
  version: number;
}

/**
 * Where threads' SLA clocks are kept, each changed under its thread's SLA lock. Why a lock: FerretDB 1.24
 * lets two conditional updates of one document both through, and two workers, or a react and a fire job,
 * may touch the same clocks at once. The adapter is in src/storage/sla.
 */
export interface ClockStore {
  /** Runs `work` with the thread's clocks (null when it has none yet) while no one else changes them. */
  withClock<T>(conversationId: string, work: (loaded: LoadedClock | null) => Promise<T>): Promise<T>;
  load(conversationId: string): Promise<LoadedClock | null>;
  /** Writes the clocks (callers hold the lock). Returns the new version. */
  save(state: ClockState, previousVersion: number, nextAt?: Date): Promise<number>;
  /** The threads of a tenant whose clocks run (a rare, tenant-wide read: retiming after a settings change). */
  activeIn(tenantId: string): Promise<string[]>;
  /** Every thread's clocks with a timer to come or running (the one full read: after Redis lost its sets). */
  withTimers(): Promise<ClockState[]>;
}
