import type { AnyDomainEvent } from '../../../src/events/catalog.js';

/** One tenant's thread, its learner and an admin, as the inbox index unit tests name them. */
export const TENANT = 'a'.repeat(24);
export const THREAD = 'b'.repeat(24);
export const LEARNER = 'c'.repeat(24);
export const ADMIN = 'd'.repeat(24);
/** When the thread opened: the default time of its events. */
export const OPENED = '2026-03-02T10:00:00.000Z';

let seq = 0;
/** An event of the thread, as the bus hands it to the index. */
export function event(name: string, payload: Record<string, unknown>, at = OPENED): AnyDomainEvent {
  return {
    seq: ++seq,
    tenantId: TENANT,
    name,
    conversationId: THREAD,
    userId: LEARNER,
    visibility: 'staff',
    actor: { role: 'learner', name: 'Ana López' },
    at,
    payload,
  } as unknown as AnyDomainEvent;
}
