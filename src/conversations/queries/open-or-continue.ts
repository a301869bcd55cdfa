import { objectId } from '../../events/ids.js';
import type { CommandContext } from '../commands/context.js';
import { openThread } from '../commands/open-thread.js';
import type { OpenInput, OpenResult } from '../commands/types.js';
import type { Conversation } from '../conversation.model.js';
import { toConversationView } from '../conversation.presenters.js';
import { openKeyFor } from '../open-key.js';
import { knownOpenThread } from './known-open-thread.js';

/**
 * The user's thread in this course: the open one, else one resolved within the reopen window (so a
 * returning learner sees the admin's reply), else a new one. At most one open thread per user and
 * course, guaranteed by a unique key rather than a transaction.
 */
export async function openOrContinue(ctx: CommandContext, input: OpenInput): Promise<OpenResult> {
  // Malformed ids are "not found" before anything is read.
  objectId(input.tenantId, 'Tenant');
  objectId(input.actor.userId, 'User');
  if (input.courseId) objectId(input.courseId, 'Course');
  const owner = { tenantId: input.tenantId, userId: input.actor.userId, courseId: input.courseId };
  const openKey = openKeyFor(owner.userId, owner.courseId);
  const known = await knownOpenThread(ctx, owner.tenantId, owner.userId, owner.courseId);
  const latest = known ?? (await ctx.store.latestThread(owner));
  const history = (thread: Conversation) => ctx.store.messages(thread, { forLearner: true });
  if (latest?.openKey === openKey) {
    const open = known ?? (await ctx.store.withActivity(latest));
    if (!known) await ctx.store.rememberThreadId(owner, String(open._id));
    return { conversation: toConversationView(open), messages: await history(open), created: false };
  }

  const settings = await ctx.config.getSettings(input.tenantId);
  const since = ctx.now().getTime() - settings.reopenWindowDays * 86_400_000;
  // A resolved thread the learner still sees (and reopens by writing) within the reopen window.
  if (latest?.status === 'resolved' && (latest.resolvedAt?.getTime() ?? 0) >= since)
    return { conversation: toConversationView(latest), messages: await history(latest), created: false };

  const { conversation, created } = await openThread(ctx, input, openKey, { looked: true });
  return {
    conversation: toConversationView(conversation),
    // A thread this call created has no messages yet: skip the query.
    messages: created ? [] : await history(conversation),
    created,
  };
}
