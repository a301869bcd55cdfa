import type { CommandContext } from '../commands/context.js';
import type { Conversation } from '../conversation.model.js';

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
