import { handoffText } from '../../handoff/handoff-messages.catalog.js';
import type { HandoffSettings } from '../../handoff/handoff-settings.model.js';
import type { Conversation } from '../conversation.model.js';
import type { Actor } from '../conversation.types.js';
import type { MessageView } from '../conversation.views.js';
import { openKeyFor } from '../open-key.js';
import type { CommandContext } from './context.js';
import { openThread } from './open-thread.js';
import { postLine } from './post-line.js';
import { eventActor, eventOf, transitionPayload } from './tell.js';
import { transition } from './transition.js';

/** resolved → waiting with a fresh reply-by; null when another open thread holds the open key. */
export async function reopenThread(
  ctx: CommandContext,
  conversation: Conversation,
  action: 'reopen' | 'learner_reopen',
): Promise<Conversation | null> {
  const courseId = conversation.courseId ? String(conversation.courseId) : undefined;
  const policy = await ctx.replyPolicies(String(conversation.tenantId));
  const replyBy = policy.replyBy(conversation.priority, ctx.now(), {
    category: conversation.category,
    role: conversation.user.role,
    courseId,
  });
  try {
    const updated = await transition(ctx, conversation, action, {
      set: { openKey: openKeyFor(String(conversation.user.userId), courseId), replyBy },
      unset: ['resolvedAt', 'resolution', 'assigneeId', 'assigneeName'],
    });
    await ctx.store.rememberThread(updated);
    return updated;
  } catch (error) {
    if (ctx.store.isOpenKeyTaken(error)) return null;
    throw error;
  }
}

/** A learner writes to a resolved thread: reopen it within the window, else move to a (new) open one. */
export async function continueResolved(
  ctx: CommandContext,
  conversation: Conversation,
  actor: Actor,
  settings: HandoffSettings,
): Promise<{ conversation: Conversation; reopened: boolean; startedNew: boolean; line?: MessageView }> {
  const windowMs = settings.reopenWindowDays * 86_400_000;
  const within =
    conversation.resolvedAt && ctx.now().getTime() - conversation.resolvedAt.getTime() <= windowMs;
  if (within) {
    const reopened = await reopenThread(ctx, conversation, 'learner_reopen');
    if (reopened) {
      const line = await postLine(
        ctx,
        reopened,
        {
          author: 'system',
          text: handoffText('reopened', reopened.locale),
          clientId: `sys:reopen:${reopened.version}`,
          kind: 'event',
        },
        eventOf(reopened, 'conversation.reopened', eventActor(actor), {
          ...transitionPayload(conversation, reopened, 'learner_reopen'),
          by: 'learner',
        }),
      );
      return { conversation: reopened, reopened: true, startedNew: false, line };
    }
  }
  // Outside the window (or another thread is already open): continue in the open thread, or a new one.
  const courseId = conversation.courseId ? String(conversation.courseId) : undefined;
  const { conversation: next } = await openThread(
    ctx,
    {
      tenantId: String(conversation.tenantId),
      actor: {
        userId: String(conversation.user.userId),
        role: conversation.user.role,
        name: conversation.user.name ?? actor.name,
      },
      courseId,
      email: conversation.user.email,
      locale: conversation.locale,
      context: conversation.context,
    },
    openKeyFor(String(conversation.user.userId), courseId),
  );
  return { conversation: next, reopened: false, startedNew: true };
}
