import { notFound } from '../../lib/errors.js';
import { toMessageView } from '../conversation.presenters.js';
import type { CommandContext } from './context.js';

/**
 * A learner's thumbs up or down on a bot answer in their own thread; anything not theirs is "not found".
 * A changed rating emits `answer.rated` (staff only): a thumbs-down around a handoff becomes a labelled
 * miss for review (src/knowledge/labelled-miss.*); pressing the same thumb again emits nothing. The
 * thread's recent-messages cache gets the answer as it now is.
 */
export async function recordFeedback(
  ctx: CommandContext,
  input: { tenantId: string; userId: string; messageId: string; value: 'up' | 'down' },
): Promise<void> {
  const found = await ctx.store.findAnswer(input.tenantId, input.messageId);
  if (!found || String(found.conversation.user.userId) !== input.userId) throw notFound('That answer');
  const { message, conversation } = found;
  if (message.feedback !== input.value)
    // The rating and its event are stored side by side; the event goes out once both are.
    await ctx.events.emitAlongside(
      [
        {
          tenantId: input.tenantId,
          name: 'answer.rated',
          conversationId: String(conversation._id),
          courseId: conversation.courseId ? String(conversation.courseId) : undefined,
          userId: input.userId,
          actor: { userId: input.userId, role: conversation.user.role, name: conversation.user.name },
          payload: { messageId: String(message._id), value: input.value },
        },
      ],
      ctx.store.setFeedback(message._id, input.value),
    );
  await ctx.store.refreshCachedMessage(toMessageView({ ...message, feedback: input.value }));
}
