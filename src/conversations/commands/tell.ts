import type { AssigneeRef, EventActor, EventName, EventPayloads, NewEvent } from '../../events/catalog.js';
import type { Conversation } from '../conversation.model.js';
import type { Actor } from '../conversation.types.js';
import type { TransitionAction } from '../status-machine.js';
import type { CommandContext } from './context.js';

/** An event about a thread, scoped to its tenant, course and learner. */
export function eventOf<N extends EventName>(
  conversation: Conversation,
  name: N,
  actor: EventActor,
  payload: EventPayloads[N],
): NewEvent<N> {
  return {
    tenantId: String(conversation.tenantId),
    name,
    conversationId: String(conversation._id),
    courseId: conversation.courseId ? String(conversation.courseId) : undefined,
    userId: String(conversation.user.userId),
    actor,
    payload,
  };
}

/** Stores and publishes one event about a thread. */
export async function emit<N extends EventName>(
  ctx: CommandContext,
  conversation: Conversation,
  name: N,
  actor: EventActor,
  payload: EventPayloads[N],
): Promise<void> {
  await ctx.events.emit(eventOf(conversation, name, actor, payload));
}

export function eventActor(actor: Actor): EventActor {
  return { userId: actor.userId, role: actor.role, ...(actor.name ? { name: actor.name } : {}) };
}

/** What every status change's event carries. */
export function transitionPayload(
  before: Conversation,
  after: Conversation,
  action: TransitionAction,
  note?: string,
) {
  return {
    from: before.status,
    to: after.status,
    action,
    version: after.version,
    ...(note ? { note: note.slice(0, 500) } : {}),
  };
}

export type TransitionPayload = ReturnType<typeof transitionPayload>;

export function assigneeOf(conversation: Conversation): AssigneeRef | undefined {
  return conversation.assigneeId
    ? { userId: String(conversation.assigneeId), name: conversation.assigneeName }
    : undefined;
}
