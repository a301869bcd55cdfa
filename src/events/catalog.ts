import type { ConversationStatus, Priority } from '../conversations/conversation.types.js';
import type { MessageView } from '../conversations/conversation.views.js';
import type { TransitionAction } from '../conversations/status-machine.js';
import type { HandoffMode, HandoffReason, NotifyTarget } from '../handoff/handoff.types.js';
import type { EscalationStep, SlaSnapshot, SlaTargetName } from '../sla/sla.types.js';
import type { ProductRole } from '../users/user.model.js';

/** What every status change carries: the move, why, and the thread version it produced. */
export interface TransitionPayload {
  from: ConversationStatus;
  to: ConversationStatus;
  action: TransitionAction;
  /** Free text from the person acting (e.g. a transfer note), if any. */
  note?: string;
  version: number;
}

/** An admin as events name them. */
export interface AssigneeRef {
  userId: string;
  name?: string;
}

/**
 * Every domain event and its payload, in one place (`noun.past_verb`). Listeners (notifications, SLA
 * timers, insights, the live channel) react to these; nothing calls them directly.
 */
export interface EventPayloads {
  /** A thread was created for a user and course. */
  'conversation.opened': {
    status: ConversationStatus;
    priority: Priority;
    userId: string;
    role: ProductRole;
  };
  /** The bot handed the thread to people. Staff-only fields: see {@link LEARNER_HIDDEN_FIELDS}. */
  'conversation.handed_off': TransitionPayload & {
    priority: Priority;
    category?: string;
    /** ISO time the learner was promised a reply by. */
    replyBy: string;
    mode: HandoffMode;
    reasons: HandoffReason[];
    /** People and channels keyword rules asked to notify. */
    notify: NotifyTarget[];
    summary: string[];
  };
  /** An admin took ownership. */
  'conversation.claimed': TransitionPayload & { assignee: AssigneeRef };
  /** Ownership moved to another admin (and/or team). */
  'conversation.transferred': TransitionPayload & {
    previousAssignee?: AssigneeRef;
    assignee: AssigneeRef;
    teamId?: string;
  };
  /** The owner let go: the thread is back in the shared queue (optionally for a team). */
  'conversation.released': TransitionPayload & { previousAssignee?: AssigneeRef; teamId?: string };
  /** The owner returned the thread to the bot. */
  'conversation.handed_back': TransitionPayload & { previousAssignee?: AssigneeRef };
  /** The owner closed the thread. */
  'conversation.resolved': TransitionPayload & { resolution?: string };
  /** A resolved thread came back to the queue (the learner wrote again, or an admin reopened it). */
  'conversation.reopened': TransitionPayload & { by: 'learner' | 'admin' };
  /** Priority or category changed without a status change (e.g. a keyword rule on a waiting thread). */
  'conversation.triaged': {
    priority: Priority;
    category?: string;
    reasons: HandoffReason[];
    notify: NotifyTarget[];
  };
  /** The learner gave a follow-up address different from the launch email. */
  'conversation.contact_updated': { email: string };
  /**
   * A prospect's enquiry in a thread with the bot: the thread is a lead (src/leads), for sales and in no
   * admin inbox list until a genuine handoff. `leadAt`: ISO time of the enquiry (the thread's `leadAt`).
   */
  'conversation.marked_lead': { leadAt: string };
  /** A learner, bot, admin or system message was added to the thread. */
  'message.posted': { message: MessageView };
  /** An internal note was added (staff only, never sent to learners). */
  'note.added': { message: MessageView };
  /** A thread's SLA clocks started, moved, paused, resumed, were met or stopped. */
  'sla.updated': { sla: SlaSnapshot };
  /** A clock passed its warning share. `late`: fired after its time (every worker was down). */
  'sla.warned': { sla: SlaSnapshot; target: SlaTargetName; dueAt: string; late: boolean };
  /** A clock passed its target without the reply or resolution it measures. */
  'sla.breached': { sla: SlaSnapshot; target: SlaTargetName; dueAt: string; late: boolean };
  /** One step of the escalation chain ran after a breach. */
  'sla.escalated': {
    sla: SlaSnapshot;
    target: SlaTargetName;
    step: EscalationStep;
    /** Who was told (notify steps). */
    notified?: AssigneeRef[];
    /** The new priority (raise_priority). */
    priority?: Priority;
    /** The owner the thread was taken from (unassign). */
    previousAssignee?: AssigneeRef;
  };
  /** A learner rated a bot answer (thumbs up or down). */
  'answer.rated': { messageId: string; value: 'up' | 'down' };
  /** A thread's answer was stored as a labelled miss for review (a thumbs-down followed by a handoff). */
  'knowledge.miss_recorded': { missId: string; messageId: string };
  /** A prospect's details were captured in the chat; the thread goes to sales, not the admin inbox. */
  'lead.captured': { leadId: string };
  /** A question of the thread (behind a handoff, a low-confidence answer or a thumbs-down) got a topic. */
  'topic.assigned': { assignmentId: string; topicId: string; question: string };
}

export type EventName = keyof EventPayloads;

/** `public`: the learner of the thread may see it (after hidden fields are removed); `staff`: never. */
export type EventVisibility = 'public' | 'staff';

/** Who may see each event: decided here, once, not by whoever emits it. */
export const EVENT_VISIBILITY: Record<EventName, EventVisibility> = {
  'conversation.opened': 'public',
  'conversation.handed_off': 'public',
  'conversation.claimed': 'public',
  'conversation.transferred': 'public',
  'conversation.released': 'public',
  'conversation.handed_back': 'public',
  'conversation.resolved': 'public',
  'conversation.reopened': 'public',
  'conversation.triaged': 'staff',
  'conversation.contact_updated': 'staff',
  'conversation.marked_lead': 'staff',
  'message.posted': 'public',
  'note.added': 'staff',
  'sla.updated': 'staff',
  'sla.warned': 'staff',
  'sla.breached': 'staff',
  'sla.escalated': 'staff',
  'answer.rated': 'staff',
  'knowledge.miss_recorded': 'staff',
  'lead.captured': 'staff',
  'topic.assigned': 'staff',
};

/** Payload fields of public events that learners never receive (internal triage details). */
export const LEARNER_HIDDEN_FIELDS: Partial<Record<EventName, readonly string[]>> = {
  'conversation.handed_off': ['reasons', 'notify', 'summary', 'category'],
  'conversation.transferred': ['teamId', 'note'],
  'conversation.released': ['teamId', 'note'],
  'conversation.resolved': ['resolution', 'note'],
  'conversation.handed_back': ['note'],
  'conversation.reopened': ['note'],
};

/** Who caused an event. `system` for the product itself (the bot, timers). */
export interface EventActor {
  userId?: string;
  role: ProductRole | 'system' | 'bot';
  name?: string;
}

/**
 * An event as stored and delivered. `seq` increases per tenant and is the SSE event id: a client that
 * reconnects with its last `seq` gets exactly what it missed.
 */
export interface DomainEvent<N extends EventName = EventName> {
  seq: number;
  tenantId: string;
  name: N;
  conversationId?: string;
  courseId?: string;
  /** The learner whose thread this is (learner live channels match on it). */
  userId?: string;
  visibility: EventVisibility;
  actor: EventActor;
  /** ISO time of the write. */
  at: string;
  payload: EventPayloads[N];
}

/** Any event, narrowable by `name`. */
export type AnyDomainEvent = { [N in EventName]: DomainEvent<N> }[EventName];

/** What an emitter supplies; the store adds `seq`, `at` and `visibility`. */
export type NewEvent<N extends EventName = EventName> = Omit<DomainEvent<N>, 'seq' | 'at' | 'visibility'>;
