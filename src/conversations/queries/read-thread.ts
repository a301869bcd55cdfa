import { objectId } from '../../events/ids.js';
import type { CommandContext } from '../commands/context.js';
import { loadOwn } from '../commands/guards.js';
import type { ActorInput } from '../commands/types.js';
import type { Conversation } from '../conversation.model.js';
import { toConversationView } from '../conversation.presenters.js';
import type { ConversationView, MessageView } from '../conversation.views.js';

/** One thread (staff view). Learners get only their own (404 otherwise). */
export async function getThread(
  ctx: CommandContext,
  input: ActorInput & { conversationId: string },
): Promise<ConversationView> {
  const conversation =
    input.actor.role === 'learner'
      ? await loadOwn(ctx.store, input.tenantId, input.conversationId, input.actor.userId)
      : await ctx.store.load(input.tenantId, input.conversationId);
  return toConversationView(conversation);
}

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

/**
 * A thread document of the tenant for system jobs (the SLA timers), or null: the Redis copy its writers
 * keep, else the database's by `_id`, as every read here, so a job does not cost a FerretDB read per run.
 */
export async function findForSystem(
  ctx: CommandContext,
  tenantId: string,
  conversationId: string,
): Promise<Conversation | null> {
  if (!/^[0-9a-f]{24}$/i.test(conversationId)) return null;
  const conversation = await ctx.store.document(conversationId);
  return conversation && String(conversation.tenantId) === tenantId ? conversation : null;
}

/**
 * Whether a thread is with people (`waiting` or `assigned`), from its Redis copy when there is one: the
 * chat skips the lead model's wait there, since a lead verdict only matters in a thread with the bot.
 */
export async function isWithPeople(ctx: CommandContext, tenantId: string, conversationId: string) {
  const conversation = await ctx.store.document(objectId(conversationId, 'Conversation').toHexString());
  return (
    String(conversation?.tenantId) === tenantId &&
    (conversation?.status === 'waiting' || conversation?.status === 'assigned')
  );
}
