import { AppError } from '../../lib/errors.js';
import { toConversationView } from '../conversation.presenters.js';
import type { ConversationView } from '../conversation.views.js';
import { type CommandContext, threadCommand } from './context.js';
import { assertStaff } from './guards.js';
import { reopenThread } from './reopen-thread.js';
import { emit, eventActor, transitionPayload } from './tell.js';
import type { ActorInput } from './types.js';

/**
 * An admin reopens a resolved thread (back to the queue). Refused when the learner has since started
 * another open thread in that course: work that one instead.
 */
export const reopen = threadCommand(
  async (
    ctx: CommandContext,
    input: ActorInput & { conversationId: string; note?: string },
  ): Promise<ConversationView> => {
    assertStaff(input.actor);
    const conversation = await ctx.store.load(input.tenantId, input.conversationId);
    const updated = await reopenThread(ctx, conversation, 'reopen');
    if (!updated)
      throw new AppError('conflict', 'The learner already has another open conversation in this course.');
    await emit(ctx, updated, 'conversation.reopened', eventActor(input.actor), {
      ...transitionPayload(conversation, updated, 'reopen', input.note),
      by: 'admin',
    });
    return toConversationView(updated);
  },
);
