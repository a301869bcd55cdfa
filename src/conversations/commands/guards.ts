import { objectId } from '../../events/ids.js';
import { AppError } from '../../lib/errors.js';
import type { Conversation } from '../conversation.model.js';
import type { Actor } from '../conversation.types.js';
import type { ConversationStore } from '../conversation-store.js';
import { canTransition } from '../status-machine.js';

export function assertStaff(actor: Actor): void {
  // Course scoping for instructors (their course's threads only) is the inbox policy's job.
  if (actor.role === 'learner') throw new AppError('forbidden', 'Only staff can do this.');
}

/** The owner acts (or a lead who passes `asLead` once the permission is checked). */
function assertOwner(conversation: Conversation, actor: Actor, asLead?: boolean): void {
  if (conversation.status !== 'assigned') {
    const check = canTransition(conversation.status, 'resolve');
    throw new AppError('conflict', check.ok ? 'This conversation is not owned by anyone.' : check.reason);
  }
  if (!asLead && String(conversation.assigneeId) !== actor.userId)
    throw new AppError(
      'forbidden',
      `${conversation.assigneeName ?? 'Another admin'} owns this conversation.`,
    );
}

/** A learner's own thread; anyone else's is "not found" (never "forbidden", which would confirm it exists). */
export async function loadOwn(
  store: ConversationStore,
  tenantId: string,
  conversationId: string,
  userId: string,
): Promise<Conversation> {
  const user = objectId(userId, 'User');
  const conversation = await store.load(tenantId, conversationId);
  if (!conversation.user.userId.equals(user)) throw new AppError('not_found', 'Conversation was not found.');
  return conversation;
}

/** The conversation an admin acts on as its owner (or as a lead): staff only, owner only. */
export async function loadOwned(
  store: ConversationStore,
  input: { tenantId: string; conversationId: string; actor: Actor; asLead?: boolean },
): Promise<Conversation> {
  assertStaff(input.actor);
  const conversation = await store.load(input.tenantId, input.conversationId);
  assertOwner(conversation, input.actor, input.asLead);
  return conversation;
}
