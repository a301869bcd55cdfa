import { AppError } from '../../lib/errors.js';
import { toConversationView } from '../conversation.presenters.js';
import type { MessageView } from '../conversation.views.js';
import type { CommandContext } from './context.js';
import type { PostResult } from './types.js';

/** A learner message sent again: the first one, in its thread as it is now (nothing new happened). */
export async function duplicateResult(
  ctx: CommandContext,
  tenantId: string,
  first: MessageView,
): Promise<PostResult> {
  const found = await ctx.store.document(first.conversationId);
  const conversation = found && String(found.tenantId) === tenantId ? found : null;
  if (!conversation) throw new AppError('not_found', 'Conversation was not found.');
  return {
    conversation: toConversationView(conversation),
    message: first,
    duplicate: true,
    botShouldAnswer: false,
    replies: [],
  };
}
