import { DateTime } from 'luxon';
import type { HandoffCard } from '../handoff/handoff.types.js';
import { describeReason } from '../handoff/handoff-card.js';
import type { NotificationContent } from './notify.models.js';
import type { NotificationKind, NotificationRequest } from './notify.types.js';

/** What a message needs to know of its thread (read once when the notification is requested). */
export interface ThreadFacts {
  conversationId: string;
  learner?: string;
  course?: string;
  priority?: string;
  category?: string;
  handoff?: Pick<HandoffCard, 'reasons' | 'summary' | 'question'>;
}

const TARGET_NAMES: Record<string, string> = {
  first_response: 'first response',
  next_response: 'next response',
  resolution: 'resolution',
};

const STEP_NAMES: Record<string, string> = {
  notify_owner: 'owner notified',
  notify_leads: 'leads notified',
  raise_priority: 'priority raised',
  unassign: 'returned to the queue',
};

/** "Mon 6 Jan, 13:00 (America/New_York)": times in the tenant's zone, with the zone named. */
export function formatTime(iso: string, timeZone = 'UTC'): string {
  const time = DateTime.fromISO(iso, { zone: timeZone });
  if (!time.isValid) return iso;
  return `${time.toFormat('ccc d LLL, HH:mm')} (${timeZone})`;
}

/** The reasons admins care about (not "out of hours", which says why it is asynchronous). */
export function reasonText(handoff?: ThreadFacts['handoff']): string | undefined {
  const reasons = (handoff?.reasons ?? []).filter(
    (r) => r.code !== 'out_of_hours' && r.code !== 'no_staff_online',
  );
  return reasons.length ? reasons.map(describeReason).join('; ') : undefined;
}

function titleFor(
  kind: NotificationKind | 'test',
  facts: ThreadFacts | undefined,
  request: NotificationRequest,
): string {
  const who = facts?.learner ?? 'A learner';
  const where = facts?.course ? ` in ${facts.course}` : '';
  const target = TARGET_NAMES[request.details?.target ?? ''] ?? request.details?.target ?? 'reply';
  switch (kind) {
    case 'handoff_new':
      return `New handoff: ${who}${where}`;
    case 'handoff_urgent':
      return `Urgent handoff: ${who}${where}`;
    case 'assigned':
      return `Assigned to you: ${who}${where}`;
    case 'learner_replied':
      return `${who} replied in your thread${facts?.course ? ` (${facts.course})` : ''}`;
    case 'sla_warning':
      return `SLA at risk (${target}): ${who}${where}`;
    case 'sla_breach':
      return `SLA breached (${target}): ${who}${where}`;
    case 'sla_escalation':
      return `Escalation (${STEP_NAMES[request.details?.step ?? ''] ?? request.details?.step ?? 'next step'}): ${who}${where}`;
    case 'digest': {
      const count = request.details?.rows?.length ?? 0;
      return `Chatref digest: ${count} thread${count === 1 ? '' : 's'} waiting`;
    }
    case 'learner_followup':
      return 'New reply to your question';
    case 'lead_new': {
      const lead = request.details?.lead;
      return lead ? `New lead: ${lead.name}, ${lead.organisation}` : 'New lead';
    }
    case 'test':
      return 'Chatref test notification';
  }
}

/**
 * Builds what a notification says. Learner follow-ups carry the staff replies only: never the handoff
 * card (reasons and summary are staff-only).
 */
export function buildContent(
  request: NotificationRequest,
  facts: ThreadFacts | undefined,
  timeZone?: string,
): NotificationContent {
  const lines: string[] = [];
  const due = request.details?.dueAt;
  if (request.kind === 'sla_warning' && due) lines.push(`Due ${formatTime(due, timeZone)}.`);
  if (request.kind === 'sla_breach' && due) lines.push(`Was due ${formatTime(due, timeZone)}.`);
  if (request.kind === 'sla_escalation' && request.details?.step)
    lines.push(`Escalation step: ${STEP_NAMES[request.details.step] ?? request.details.step}.`);
  const content: NotificationContent = {
    kind: request.kind,
    title: titleFor(request.kind, facts, request),
    lines,
    timeZone,
  };
  if (request.kind === 'learner_followup') {
    content.replies = request.details?.replies ?? [];
    if (request.details?.courseUrl) content.courseUrl = request.details.courseUrl;
    if (request.details?.email) content.email = request.details.email;
    if (facts?.course) content.lines.push(`Course: ${facts.course}`);
    return content;
  }
  if (request.kind === 'lead_new') {
    // Sales hears of the prospect only: no thread card (a lead is not a support thread).
    if (request.details?.lead) content.lead = request.details.lead;
    return content;
  }
  if (facts)
    content.thread = {
      conversationId: facts.conversationId,
      learner: facts.learner,
      course: facts.course,
      reason: reasonText(facts.handoff),
      summary: facts.handoff?.summary ?? [],
      priority: facts.priority,
      category: facts.category,
      question: facts.handoff?.question,
    };
  if (request.details?.rows) content.rows = request.details.rows;
  return content;
}
