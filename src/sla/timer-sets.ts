/**
 * The small sets beside the timer jobs: which threads' clocks run (learner messages of other threads cost
 * no job), and each thread's earliest pending timer (what the sweep reads instead of scanning the clocks).
 * The Redis adapter is in src/storage/sla.
 */
export interface TimerSets {
  setActive(conversationId: string, active: boolean): Promise<void>;
  isActive(conversationId: string): Promise<boolean>;
  /** Records (or clears) a thread's earliest pending timer. */
  setPending(conversationId: string, nextAt: Date | undefined): Promise<void>;
  /** Threads whose earliest timer is at or before `until` (ms), at most `limit`. */
  due(until: number, limit: number): Promise<string[]>;
  /** Whether the pending set was built from the clocks (false after Redis lost its data). */
  isBuilt(): Promise<boolean>;
  markBuilt(): Promise<void>;
}
