import type { JobPayloads } from '../jobs/queues.js';
import { describeInstant } from './calendar.js';
import { markFired, pendingStageAt, snapshotOf } from './clock.js';
import { EARLY_BY_MS, LATE_AFTER_MS, type SlaEngine } from './clock-engine.js';
import type { SlaStage, SlaTargetName } from './sla.types.js';

type Fire = JobPayloads['sla']['fire'];

const TARGET_LABEL: Record<SlaTargetName, string> = {
  first_response: 'First response',
  next_response: 'Next response',
  resolution: 'Resolution',
};

/** The staff-only line a warning or breach leaves on the thread. */
export function stageLine(input: {
  target: SlaTargetName;
  stage: SlaStage;
  /** The stage's own time (the warning's, or the due time) and when it fired. */
  stageAt: Date;
  dueAt: Date;
  firedAt: Date;
  late: boolean;
  timeZone: string;
}): string {
  const due = describeInstant(input.dueAt, input.timeZone, 'en', input.stageAt);
  const what = input.stage === 'warning' ? 'target at risk' : 'target breached';
  const minutes = Math.max(1, Math.round((input.firedAt.getTime() - input.stageAt.getTime()) / 60_000));
  const late = input.late ? ` Recorded late, about ${minutes} min after its time.` : '';
  return `${TARGET_LABEL[input.target]} ${what} (due ${due}).${late}`;
}

/**
 * A clock's warning or breach time came. Re-reads the clocks under the thread's SLA lock and does nothing
 * when the stage is no longer pending (met, stopped, a newer cycle, already fired). Otherwise the step is
 * recorded on the thread and told (`sla.warned` / `sla.breached`) exactly once — the staff-only note's unique
 * client id guards it — then marked on the clock, which schedules the escalation chain after a breach.
 */
export async function fireTimer(engine: SlaEngine, data: Fire, now = new Date()): Promise<string> {
  const sla = await engine.slas(data.tenantId);
  return engine.store.withClock(data.conversationId, async (loaded) => {
    if (!loaded) return 'no clock';
    const timer = { target: data.target, cycle: data.cycle, stage: data.stage };
    const at = pendingStageAt(loaded.state, data.target, data.cycle, data.stage);
    if (!at) return 'stale';
    if (at.getTime() > now.getTime() + EARLY_BY_MS) {
      // The clock moved later while this job was already on its way: run again at the new time.
      await engine.reschedule(data.tenantId, data.conversationId, { kind: 'fire', ...timer, at });
      return 'moved';
    }
    const conversation = await engine.conversation(data.tenantId, data.conversationId);
    if (!conversation) return 'no thread';
    const late = now.getTime() - at.getTime() > LATE_AFTER_MS;
    const assigneeId = conversation.assigneeId ? String(conversation.assigneeId) : undefined;
    const next = markFired(loaded.state, timer, now, late, assigneeId);
    if (!next) return 'stale';
    const clock = next.targets[data.target];
    const dueAt = clock?.dueAt ?? at;
    const snapshot = snapshotOf(next);
    const told = await engine.services.conversations.service.recordSlaStep({
      tenantId: data.tenantId,
      conversationId: data.conversationId,
      clientId: `sla:${data.target}:${data.cycle}:${data.stage}`,
      text: stageLine({
        target: data.target,
        stage: data.stage,
        stageAt: at,
        dueAt,
        firedAt: now,
        late,
        timeZone: sla.calendar.timeZone,
      }),
      event: data.stage === 'warning' ? 'sla.warned' : 'sla.breached',
      payload: { sla: snapshot, target: data.target, dueAt: dueAt.toISOString(), late },
    });
    // The warned/breached event carries the snapshot: no separate sla.updated.
    await engine.commit(conversation, loaded, next, sla, { tell: false });
    return told ? data.stage : 'already told';
  });
}
