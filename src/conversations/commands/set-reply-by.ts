import { type CommandContext, threadCommand } from './context.js';
import { update } from './transition.js';

/**
 * Moves a waiting or assigned thread's reply-by to the running response clock's due time (a next response
 * started, the priority changed), so the inbox's order follows the timers. No-op when unchanged.
 */
export const setReplyBy = threadCommand(
  async (
    ctx: CommandContext,
    input: { tenantId: string; conversationId: string; replyBy: Date },
  ): Promise<boolean> => {
    const conversation = await ctx.store.load(input.tenantId, input.conversationId);
    if (conversation.status !== 'waiting' && conversation.status !== 'assigned') return false;
    if (conversation.replyBy?.getTime() === input.replyBy.getTime()) return false;
    await update(ctx, conversation, { replyBy: input.replyBy });
    return true;
  },
);
