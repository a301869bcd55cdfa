import type { Job, JobsOptions } from 'bullmq';
import type { Queues } from '../jobs/queues.js';
import type { EscalationTimer, PlannedTimer } from './clock.js';
import type { TimerSets } from './timer-sets.js';

/** A timer job of one thread: a stage of a clock or a step of its escalation chain. */
export type TimerJob = ({ kind: 'fire' } & PlannedTimer) | ({ kind: 'escalate' } & EscalationTimer);

/** `sla-<conversation>-<target>-<cycle>-<stage>` or `…-esc-<step>`: one job per timer, never two. */
export function timerJobId(conversationId: string, timer: TimerJob): string {
  const base = `sla-${conversationId}-${timer.target}-${timer.cycle}`;
  return timer.kind === 'fire' ? `${base}-${timer.stage}` : `${base}-esc-${timer.step}`;
}

// Finished timers leave nothing behind, so the same id can be scheduled again (a job kept as completed or
// failed would make a later add with its id a silent no-op). The sweep re-adds a timer whose job failed.
const TIMER_OPTIONS: JobsOptions = {
  removeOnComplete: true,
  removeOnFail: { age: 24 * 3600, count: 1000 },
};

/**
 * Redis keys of the SLA timers (see TimerSets): the pending set, its built marker and the threads whose
 * clocks run. Not under `<prefix>:sla:`, which is the BullMQ queue's own namespace (its `active` list).
 */
export function slaKeys(prefix: string) {
  return {
    pending: `${prefix}:sla-timers:pending`,
    built: `${prefix}:sla-timers:pending-built`,
    active: `${prefix}:sla-timers:active`,
  };
}

/**
 * Keeps a thread's BullMQ timer jobs in line with its clocks, and the pending set the sweep reads (the
 * thread's earliest timer; a small sorted set instead of a scan of the clocks collection).
 */
export class TimerScheduler {
  constructor(
    private readonly queues: Queues,
    readonly sets: TimerSets,
  ) {}

  /**
   * Moves from the timers `before` wanted to those `after` wants: jobs no longer wanted are removed,
   * new ones added, moved ones re-timed. Then the pending set gets the thread's earliest time. `full`
   * checks every wanted job, not only the changed ones (a retry whose first attempt saved the clocks but
   * failed to schedule).
   */
  async sync(
    tenantId: string,
    conversationId: string,
    before: readonly TimerJob[],
    after: readonly TimerJob[],
    nextAt: Date | undefined,
    options: { full?: boolean } = {},
  ): Promise<void> {
    const wanted = new Map(after.map((timer) => [timerJobId(conversationId, timer), timer]));
    const had = new Map(before.map((timer) => [timerJobId(conversationId, timer), timer]));
    const stale = [...had.keys()].filter((id) => !wanted.has(id));
    const work: Promise<unknown>[] = stale.map((id) => this.remove(id));
    for (const [id, timer] of wanted) {
      const previous = had.get(id);
      // Scheduled before for this very time: nothing to do (a job lost meanwhile is the sweep's to find).
      if (!options.full && previous && previous.at.getTime() === timer.at.getTime()) continue;
      if (options.full) {
        // Checking every job (a retry after a failed sync): each is looked up, added or re-timed.
        work.push(this.ensure(tenantId, conversationId, timer));
        continue;
      }
      // A new timer is one add (its id has no job yet); a moved one is looked up and re-timed.
      work.push(
        previous ? this.ensure(tenantId, conversationId, timer) : this.add(tenantId, conversationId, timer),
      );
    }
    await Promise.all(work);
    await this.sets.setPending(conversationId, nextAt);
  }

  /**
   * Makes sure the job of a timer exists for its time: added when missing (or left finished), re-timed when
   * delayed for another time. A job already waiting or running is left alone: its handler re-reads the
   * clocks and does nothing when they moved. True when the job was added (the sweep counts these repairs).
   */
  async ensure(
    tenantId: string,
    conversationId: string,
    timer: TimerJob,
    options: { jobId?: string } = {},
  ): Promise<boolean> {
    const jobId = options.jobId ?? timerJobId(conversationId, timer);
    const queue = this.queues.get('sla');
    const delay = Math.max(0, timer.at.getTime() - Date.now());
    const existing = (await queue.getJob(jobId)) as Job | undefined;
    if (existing) {
      const state = await existing.getState();
      if (state === 'delayed') {
        const at =
          timer.kind === 'fire'
            ? Date.parse(String(existing.data?.dueAt))
            : existing.timestamp + (existing.delay ?? 0);
        if (!(Math.abs(at - timer.at.getTime()) <= 5)) {
          await existing.changeDelay(delay).catch(() => undefined);
          if (timer.kind === 'fire')
            await existing
              .updateData({ ...existing.data, dueAt: timer.at.toISOString() })
              .catch(() => undefined);
        }
        return false;
      }
      if (
        state === 'waiting' ||
        state === 'active' ||
        state === 'prioritized' ||
        state === 'waiting-children'
      )
        return false;
      // Completed or failed (kept for inspection): make room for the new run.
      await existing.remove().catch(() => undefined);
    }
    await this.add(tenantId, conversationId, timer, jobId);
    return true;
  }

  /** Adds a timer's job (a no-op when a job with its id exists). */
  async add(
    tenantId: string,
    conversationId: string,
    timer: TimerJob,
    jobId = timerJobId(conversationId, timer),
  ) {
    const delay = Math.max(0, timer.at.getTime() - Date.now());
    if (timer.kind === 'fire')
      await this.queues.enqueue(
        'sla',
        'fire',
        {
          tenantId,
          conversationId,
          target: timer.target,
          cycle: timer.cycle,
          stage: timer.stage,
          dueAt: timer.at.toISOString(),
        },
        { ...TIMER_OPTIONS, jobId, delay },
      );
    else
      await this.queues.enqueue(
        'sla',
        'escalate',
        { tenantId, conversationId, target: timer.target, cycle: timer.cycle, step: timer.step },
        { ...TIMER_OPTIONS, jobId, delay },
      );
  }

  /** Removes a timer's job; one that is running cannot be removed and finds its clock changed instead. */
  async remove(jobId: string): Promise<void> {
    await this.queues
      .get('sla')
      .remove(jobId)
      .catch(() => undefined);
  }
}
