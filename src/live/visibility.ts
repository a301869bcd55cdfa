import type { AnyDomainEvent } from '../events/catalog.js';
import { LEARNER_HIDDEN_FIELDS } from '../events/catalog.js';

/**
 * Who a live client is. A learner follows their own thread; staff follow a thread or the inbox (all of
 * the tenant's threads, or only some courses' for course-scoped instructors).
 */
export type LiveFilter =
  | { tenantId: string; audience: 'learner'; conversationId: string; userId: string }
  | { tenantId: string; audience: 'staff'; conversationId: string; courseIds?: readonly string[] }
  | { tenantId: string; audience: 'inbox'; courseIds?: readonly string[] };

/**
 * The event as this client may see it, or null when it must not see it at all: learners never get
 * staff-only events (notes, triage) or other people's threads, and public events lose their
 * staff-only fields (handoff reasons, notify targets, summaries, internal notes on transitions).
 */
export function visibleEvent(event: AnyDomainEvent, filter: LiveFilter): AnyDomainEvent | null {
  if (event.tenantId !== filter.tenantId) return null;
  if (filter.audience !== 'inbox' && event.conversationId !== filter.conversationId) return null;
  if (filter.audience !== 'learner') {
    if (filter.courseIds && !(event.courseId && filter.courseIds.includes(event.courseId))) return null;
    return event;
  }
  if (event.visibility !== 'public') return null;
  if (event.userId !== filter.userId) return null;
  if (event.name === 'message.posted' && event.payload.message.internal) return null;
  const hidden = LEARNER_HIDDEN_FIELDS[event.name];
  if (!hidden) return event;
  const payload: Record<string, unknown> = { ...event.payload };
  for (const field of hidden) delete payload[field];
  return { ...event, payload } as AnyDomainEvent;
}
