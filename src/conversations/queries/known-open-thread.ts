import type { CommandContext } from '../commands/context.js';
import type { Conversation } from '../conversation.model.js';
import { openKeyFor } from '../open-key.js';

const OBJECT_ID = /^[0-9a-f]{24}$/i;

/**
 * The thread the Redis pointer names, if it is still this user's open thread in this course (no
 * collection scan: the pointer is checked by `_id`), with its activity times.
 */
export async function knownOpenThread(
  ctx: CommandContext,
  tenantId: string,
  userId: string,
  courseId?: string,
): Promise<Conversation | null> {
  const id = await ctx.store.knownThreadId({ tenantId, userId, courseId });
  if (!id || !OBJECT_ID.test(id)) return null;
  const conversation = await ctx.store.document(id);
  if (
    !conversation ||
    String(conversation.tenantId) !== tenantId ||
    String(conversation.user.userId) !== userId ||
    conversation.openKey !== openKeyFor(userId, courseId)
  )
    return null;
  return ctx.store.withActivity(conversation);
}
