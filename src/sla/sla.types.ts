import type { Priority } from '../conversations/conversation.types.js';

/** The clocks a thread can run: time to the first staff reply, to each next reply, to resolution. */
export type SlaTargetName = 'first_response' | 'next_response' | 'resolution';
export const SLA_TARGETS: readonly SlaTargetName[] = ['first_response', 'next_response', 'resolution'];

/** Where a thread stands against its most pressing running clock. */
export type SlaState = 'on_track' | 'at_risk' | 'breached' | 'paused' | 'met' | 'stopped';

/** The timer stages of one clock: a warning at a share of the target, then the breach. */
export type SlaStage = 'warning' | 'breach';

/** Steps that follow a breach, in order (see the escalation settings). */
export type EscalationStep = 'notify_owner' | 'notify_leads' | 'raise_priority' | 'unassign';

/**
 * What the inbox and the thread show of a thread's SLA: the clock that comes due first among those still
 * running (or the last one, when none runs). Every `sla.*` event carries it, so a listener never reads back.
 */
export interface SlaSnapshot {
  state: SlaState;
  /** The clock the state describes. */
  target?: SlaTargetName;
  /** ISO instants of its warning and due time (absent while paused, met or stopped). */
  warnAt?: string;
  dueAt?: string;
  /** The policy that set the targets (its name, as admins gave it). */
  policy?: string;
  priority?: Priority;
}
