import { objectId } from '../../events/ids.js';
import type { CommandContext } from '../commands/context.js';

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
