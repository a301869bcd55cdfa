import { AppError } from '../../lib/errors.js';
import type { MessageView } from '../conversation.views.js';
import { type CommandContext, threadCommand } from './context.js';
import { assertStaff } from './guards.js';
import { postStaffMessage } from './post-staff-message.js';
import type { TextInput } from './types.js';

/** The owner's reply to the learner, in the same thread. */
export const reply = threadCommand(async (ctx: CommandContext, input: TextInput): Promise<MessageView> => {
  assertStaff(input.actor);
  const conversation = await ctx.store.load(input.tenantId, input.conversationId);
  if (conversation.status !== 'assigned' || String(conversation.assigneeId) !== input.actor.userId)
    throw new AppError('forbidden', 'Take over this conversation before replying.');
  return postStaffMessage(ctx, conversation, input, 'message');
});
