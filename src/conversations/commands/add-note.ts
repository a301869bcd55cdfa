import type { MessageView } from '../conversation.views.js';
import { type CommandContext, threadCommand } from './context.js';
import { assertStaff } from './guards.js';
import { postStaffMessage } from './post-staff-message.js';
import type { TextInput } from './types.js';

/** An internal note: staff only, stored with `internal: true`, never returned or published to learners. */
export const addNote = threadCommand(async (ctx: CommandContext, input: TextInput): Promise<MessageView> => {
  assertStaff(input.actor);
  const conversation = await ctx.store.load(input.tenantId, input.conversationId);
  return postStaffMessage(ctx, conversation, input, 'note');
});
