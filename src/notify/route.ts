import type { Job } from 'bullmq';
import { ConversationModel } from '../conversations/conversation.model.js';
import { findInTenant } from '../db/by-id.js';
import type { AnyDomainEvent } from '../events/catalog.js';
import type { EventStore } from '../events/event-store.js';
import type { NotifyTarget } from '../handoff/handoff.types.js';
import { leadFacts } from '../leads/lead-facts.js';
import { type NotifyDeps, requestNotifications, tenantChannels } from './notifier.js';
import type { NotificationRequest } from './notify.types.js';
import { channelRecipients } from './recipients.js';

/** Reads one stored event by its sequence (the Redis log answers recent ones without a database scan). */
export async function readEvent(
  store: EventStore,
  tenantId: string,
  seq: number,
): Promise<AnyDomainEvent | undefined> {
  const [event] = await store.listSince(tenantId, seq - 1, { limit: 1 });
  return event?.seq === seq ? event : undefined;
}

/** The owner of a thread now (transfers and unassignments since the event count). */
async function ownerOf(
  tenantId: string,
  conversationId: string,
): Promise<{ assigneeId?: string; status?: string }> {
  const conversation = await findInTenant(ConversationModel, conversationId, tenantId, {
    assigneeId: 1,
    status: 1,
  });
  return {
    assigneeId: conversation?.assigneeId ? String(conversation.assigneeId) : undefined,
    status: conversation?.status,
  };
}

const user = (userId: string): NotifyTarget => ({ type: 'user', target: userId });

/**
 * Who hears about an event, as notification requests (none for most events). Keys are derived from the
 * event's facts, so the same event routed twice, or two events saying the same thing, notify once.
 */
export async function requestsFor(event: AnyDomainEvent): Promise<NotificationRequest[]> {
  const conversationId = event.conversationId;
  if (!conversationId) return [];
  const base = { tenantId: event.tenantId, conversationId };
  switch (event.name) {
    case 'conversation.handed_off': {
      const kind = event.payload.priority === 'urgent' ? 'handoff_urgent' : 'handoff_new';
      const key = `handoff-${conversationId}-${event.payload.version}`;
      if (!event.payload.notify?.length) return [{ ...base, kind, key }];
      // The tenant's channels for the kind plus the keyword rules' own targets, once each.
      const channels = channelRecipients(await tenantChannels(event.tenantId), kind).map(
        (recipient): NotifyTarget => ({ type: recipient.type, target: recipient.target }),
      );
      return [{ ...base, kind, key, recipients: [...channels, ...event.payload.notify] }];
    }
    case 'conversation.triaged': {
      // A keyword rule matched on a thread already with people: its own targets hear of it.
      if (!event.payload.notify?.length) return [];
      const kind = event.payload.priority === 'urgent' ? 'handoff_urgent' : 'handoff_new';
      return [
        { ...base, kind, key: `triaged-${conversationId}-${event.seq}`, recipients: event.payload.notify },
      ];
    }
    case 'conversation.transferred':
      return [
        {
          ...base,
          kind: 'assigned',
          key: `assigned-${conversationId}-${event.payload.version}`,
          recipients: [user(event.payload.assignee.userId)],
        },
      ];
    case 'message.posted': {
      const owner = await ownerOf(event.tenantId, conversationId);
      if (owner.status !== 'assigned' || !owner.assigneeId) return [];
      return [
        {
          ...base,
          kind: 'learner_replied',
          key: `replied-${event.payload.message.id}`,
          recipients: [user(owner.assigneeId)],
        },
      ];
    }
    case 'sla.warned': {
      const owner = await ownerOf(event.tenantId, conversationId);
      const details = { target: event.payload.target, dueAt: event.payload.dueAt };
      const key = `sla-warning-${conversationId}-${event.payload.target}-${event.payload.dueAt}`;
      return [
        owner.status === 'assigned' && owner.assigneeId
          ? { ...base, kind: 'sla_warning', key, details, recipients: [user(owner.assigneeId)] }
          : { ...base, kind: 'sla_warning', key, details },
      ];
    }
    case 'sla.breached': {
      const owner = await ownerOf(event.tenantId, conversationId);
      const details = { target: event.payload.target, dueAt: event.payload.dueAt };
      const key = `sla-breach-${conversationId}-${event.payload.target}-${event.payload.dueAt}`;
      const requests: NotificationRequest[] = [{ ...base, kind: 'sla_breach', key, details }];
      if (owner.status === 'assigned' && owner.assigneeId)
        requests.push({
          ...base,
          kind: 'sla_breach',
          key: `${key}-owner`,
          details,
          recipients: [user(owner.assigneeId)],
        });
      return requests;
    }
    case 'sla.escalated': {
      const notified = event.payload.notified ?? [];
      if (!notified.length) return [];
      return [
        {
          ...base,
          kind: 'sla_escalation',
          key: `escalation-${conversationId}-${event.payload.target}-${event.payload.sla.dueAt ?? ''}-${event.payload.step}`,
          details: { target: event.payload.target, step: event.payload.step, dueAt: event.payload.sla.dueAt },
          recipients: notified.map((person) => user(person.userId)),
        },
      ];
    }
    case 'lead.captured': {
      // To the tenant's sales destinations (channels sending `lead_new`), once per lead: not a thread
      // notice, so no thread card or link.
      const lead = await leadFacts(event.tenantId, event.payload.leadId);
      if (!lead) return [];
      return [{ tenantId: event.tenantId, kind: 'lead_new', key: `lead-${lead.leadId}`, details: { lead } }];
    }
    default:
      return [];
  }
}

/** The `notify.route` job: reads the event and requests its notifications (idempotent by their keys). */
export async function runRoute(
  job: Job<{ tenantId: string; seq: number }>,
  deps: NotifyDeps & { store: EventStore },
): Promise<unknown> {
  const event = await readEvent(deps.store, job.data.tenantId, job.data.seq);
  if (!event) return { skipped: 'event not found' };
  let deliveries = 0;
  for (const request of await requestsFor(event))
    deliveries += (await requestNotifications(deps, request)).deliveries.length;
  return { deliveries };
}
