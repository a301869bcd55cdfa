import type { CommandContext } from '../commands/context.js';
import { loadOwn } from '../commands/guards.js';
import type { ActorInput } from '../commands/types.js';
import { toConversationView } from '../conversation.presenters.js';
import type { ConversationView } from '../conversation.views.js';

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
