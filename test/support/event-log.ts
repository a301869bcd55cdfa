import type { AnyDomainEvent, DomainEvent, EventName, NewEvent } from '../../src/events/catalog.js';
import type { EventStore } from '../../src/events/event-store.js';

/** Stores an event and adds it to the replay log at once, as a write followed by its publish does. */
export async function appendToLog<N extends EventName>(
  store: EventStore,
  input: NewEvent<N>,
): Promise<DomainEvent<N>> {
  const { event } = await store.record(input);
  await store.addToLog([event as AnyDomainEvent]);
  return event;
}
