import type { AnyDomainEvent, EventName } from '../events/catalog.js';
import type { EscalationStep, SlaTargetName } from '../sla/sla.types.js';

/** The events that carry a thread's SLA snapshot. */
export const SLA_EVENT_NAMES = ['sla.updated', 'sla.warned', 'sla.breached', 'sla.escalated'] as const;

/** The events that become a line of the thread's timeline (staff only): warnings, breaches, escalations. */
export const SLA_LINE_EVENTS: readonly EventName[] = ['sla.warned', 'sla.breached', 'sla.escalated'];

/**
 * One staff-visible SLA line of a thread, as the thread view shows it between the messages. Structured,
 * not text: the page words it and writes the due time in the tenant's zone.
 */
export interface SlaLine {
  seq: number;
  /** ISO time of the event. */
  at: string;
  kind: 'warned' | 'breached' | 'escalated';
  target: SlaTargetName;
  /** ISO due time of the clock (warnings and breaches). */
  dueAt?: string;
  /** Fired after its time (every worker was down). */
  late?: boolean;
  step?: EscalationStep;
  /** Names of the people an escalation told. */
  notified?: string[];
  /** The priority an escalation raised the thread to. */
  priority?: string;
  /** The owner an escalation took the thread from. */
  previousAssignee?: string;
}

/** The timeline line of an event, or undefined for events that are not one. */
export function slaLineOf(event: AnyDomainEvent): SlaLine | undefined {
  const base = { seq: event.seq, at: event.at };
  switch (event.name) {
    case 'sla.warned':
    case 'sla.breached':
      return {
        ...base,
        kind: event.name === 'sla.warned' ? 'warned' : 'breached',
        target: event.payload.target,
        dueAt: event.payload.dueAt,
        ...(event.payload.late ? { late: true } : {}),
      };
    case 'sla.escalated': {
      const { target, step, notified, priority, previousAssignee } = event.payload;
      const names = (notified ?? []).map((person) => person.name ?? 'an admin');
      return {
        ...base,
        kind: 'escalated',
        target,
        step,
        ...(names.length ? { notified: names } : {}),
        ...(priority ? { priority } : {}),
        ...(previousAssignee ? { previousAssignee: previousAssignee.name ?? 'the owner' } : {}),
      };
    }
    default:
      return undefined;
  }
}
