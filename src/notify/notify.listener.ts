import type { AnyDomainEvent, EventName } from '../events/catalog.js';
import type { JobListener } from '../jobs/listeners.js';

/** Events people may be told about (see `route.ts` for who). */
export const ROUTED_EVENTS: ReadonlySet<EventName> = new Set<EventName>([
  'conversation.handed_off',
  'conversation.triaged',
  'conversation.transferred',
  'message.posted',
  'sla.warned',
  'sla.breached',
  'sla.escalated',
  'lead.captured',
]);

/** Whether an event may lead to a notification (only learner messages of the thread's own user count). */
export function isRouted(event: AnyDomainEvent): boolean {
  if (!ROUTED_EVENTS.has(event.name)) return false;
  if (event.name === 'message.posted')
    return event.payload.message.author === 'learner' && !event.payload.message.internal;
  if (event.name === 'conversation.triaged') return (event.payload.notify?.length ?? 0) > 0;
  if (event.name === 'conversation.transferred')
    return Boolean(event.payload.assignee?.userId) && event.payload.assignee.userId !== event.actor.userId;
  return true;
}

/** Enqueues `notify.route` (job id `notify-route-<tenant>-<seq>`: an event is routed once). */
export const notifyListener: JobListener = async (event, queues) => {
  if (!isRouted(event) || !event.conversationId) return;
  await queues.enqueue(
    'notify',
    'route',
    { tenantId: event.tenantId, seq: event.seq, event: event.name },
    { jobId: `notify-route-${event.tenantId}-${event.seq}` },
  );
};
