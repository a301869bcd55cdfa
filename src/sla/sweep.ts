import { nextDueAt } from './clock.js';
import { type SlaEngine, timersOf } from './clock-engine.js';

/** A timer this long past its time without having run is looked at (before that, its job is just on its way). */
const SWEEP_GRACE_MS = 10_000;
/** Threads looked at per sweep run (the rest wait for the next run, a minute later). */
const SWEEP_BATCH = 500;

/**
 * Finds timers that should have fired and makes sure their job exists: one lost (Redis lost it, an enqueue
 * failed, the job failed for good) is added again and runs at once, reported late. Reads only the Redis
 * "pending" set's due part (not the clocks collection, which FerretDB would scan); after Redis lost that set
 * too, it is rebuilt once from the clocks (`nextAt`) with every timer re-added.
 */
export async function sweepTimers(
  engine: SlaEngine,
  now = Date.now(),
  graceMs = SWEEP_GRACE_MS,
): Promise<{ checked: number; repaired: number; rebuilt: number }> {
  const { scheduler, timers } = engine;
  let rebuilt = 0;
  if (!(await timers.isBuilt())) rebuilt = await rebuildPending(engine);
  const due = await timers.due(now - graceMs, SWEEP_BATCH);
  let repaired = 0;
  for (const conversationId of due) {
    const loaded = await engine.store.load(conversationId);
    if (!loaded) {
      await timers.setPending(conversationId, undefined);
      continue;
    }
    const sla = await engine.slas(loaded.state.tenantId);
    const timerJobs = timersOf(loaded.state, sla.escalation);
    for (const timer of timerJobs.filter((t) => t.at.getTime() <= now - graceMs))
      if (await scheduler.ensure(loaded.state.tenantId, conversationId, timer)) repaired++;
    await timers.setPending(conversationId, nextDueAt(loaded.state, sla.escalation));
  }
  return { checked: due.length, repaired, rebuilt };
}

/** Rebuilds the pending and active sets and every timer job from the clocks (after Redis lost its data). */
async function rebuildPending(engine: SlaEngine): Promise<number> {
  const { scheduler, timers } = engine;
  // The one scan of the clocks collection, only when Redis lost its sets (and on the very first start).
  const states = await engine.store.withTimers();
  for (const state of states) {
    const sla = await engine.slas(state.tenantId);
    const timerJobs = timersOf(state, sla.escalation);
    await Promise.all(
      timerJobs.map((timer) => scheduler.ensure(state.tenantId, state.conversationId, timer)),
    );
    await timers.setPending(state.conversationId, nextDueAt(state, sla.escalation));
    await timers.setActive(state.conversationId, state.active);
  }
  await timers.markBuilt();
  return states.length;
}
