import type { CommandContext } from '../commands/context.js';
import type { ActorInput } from '../commands/types.js';
import { toConversationView } from '../conversation.presenters.js';
import type { ConversationView, MessageView } from '../conversation.views.js';
import { knownOpenThread } from './known-open-thread.js';

/**
 * The user's open thread in this course when it is already known (no collection scan: a Redis pointer
 * checked by `_id`), with its history; null when `openOrContinue` must look (or create).
 */
export async function continueOpen(
  ctx: CommandContext,
  input: ActorInput & { courseId?: string },
): Promise<{ conversation: ConversationView; messages: MessageView[] } | null> {
  const open = await knownOpenThread(ctx, input.tenantId, input.actor.userId, input.courseId);
  if (!open) return null;
  return {
    conversation: toConversationView(open),
    messages: await ctx.store.messages(open, { forLearner: true }),
  };
}

/** The id of the user's open thread in this course when it is already known (see {@link continueOpen}). */
export async function openThreadId(
  ctx: CommandContext,
  input: ActorInput & { courseId?: string },
): Promise<string | null> {
  const open = await knownOpenThread(ctx, input.tenantId, input.actor.userId, input.courseId);
  return open ? String(open._id) : null;
}
