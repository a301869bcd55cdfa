import type { MessageView } from '../conversation.views.js';
import { type CommandContext, threadCommand } from './context.js';
import { postLine } from './post-line.js';

/**
 * A bot line in a thread that stays with the bot (the lead-capture prompt of src/leads), through the
 * same path as the bot's announcements: idempotent by its client id.
 */
export const postBotLine = threadCommand(
  async (
    ctx: CommandContext,
    input: { tenantId: string; conversationId: string; clientId: string; text: string },
  ): Promise<MessageView> =>
    postLine(ctx, await ctx.store.load(input.tenantId, input.conversationId), {
      author: 'bot',
      text: input.text,
      clientId: input.clientId,
    }),
);
