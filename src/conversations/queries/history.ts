import { objectId } from '../../events/ids.js';
import type { CommandContext } from '../commands/context.js';
import { loadOwn } from '../commands/guards.js';
import type { ActorInput } from '../commands/types.js';
import type { MessageView } from '../conversation.views.js';

/**
 * A thread's messages, oldest first. `forLearner` leaves out internal notes (and is forced for learner
 * actors, who also only ever read their own threads). Page backwards with `before` (a message id).
 */
export async function history(
  ctx: CommandContext,
  input: ActorInput & { conversationId: string; forLearner: boolean; before?: string; limit?: number },
): Promise<MessageView[]> {
  const forLearner = input.forLearner || input.actor.role === 'learner';
  const conversation =
    forLearner && input.actor.role === 'learner'
      ? await loadOwn(ctx.store, input.tenantId, input.conversationId, input.actor.userId)
      : await ctx.store.load(input.tenantId, input.conversationId);
  return ctx.store.messages(conversation, { forLearner, before: input.before, limit: input.limit });
}

/**
 * The newest messages a learner sees of a thread the caller has already checked is theirs (the bot's
 * context right after a learner message): no second read of the thread.
 */
export async function learnerContext(
  ctx: CommandContext,
  input: { tenantId: string; conversationId: string; limit: number },
): Promise<MessageView[]> {
  const ref = {
    _id: objectId(input.conversationId, 'Conversation'),
    tenantId: objectId(input.tenantId, 'Tenant'),
  };
  return ctx.store.messages(ref, { forLearner: true, limit: input.limit });
}
