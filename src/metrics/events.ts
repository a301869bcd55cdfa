import type { AnyDomainEvent } from '../events/catalog.js';
import { metrics } from './definitions.js';

/**
 * Counts the domain events operators watch. Registered on each process's own event bus, whose
 * in-process listeners hear only the events that process emitted: summed over replicas, every event
 * counts once. Labels are codes from the catalog, never the rule names or phrases behind them.
 */
export function countDomainEvent(event: AnyDomainEvent): void {
  switch (event.name) {
    case 'conversation.handed_off':
      metrics.chatref_handoffs_total.labels(event.payload.mode).inc();
      for (const reason of event.payload.reasons)
        metrics.chatref_handoff_reasons_total.labels(reason.code).inc();
      break;
    case 'sla.warned':
      metrics.chatref_sla_warnings_total.labels(event.payload.target, String(event.payload.late)).inc();
      break;
    case 'sla.breached':
      metrics.chatref_sla_breaches_total.labels(event.payload.target, String(event.payload.late)).inc();
      break;
  }
}

/** Counts a bus's events from now on; returns the removal. */
export function observeDomainEvents(bus: { onEvent(listener: (event: AnyDomainEvent) => void): () => void }) {
  return bus.onEvent(countDomainEvent);
}
