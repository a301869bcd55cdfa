import { objectId } from '../../events/ids.js';
import { handoffText } from '../../handoff/handoff-messages.catalog.js';
import { AppError } from '../../lib/errors.js';
import { toConversationView } from '../conversation.presenters.js';
import type { ConversationView } from '../conversation.views.js';
import { type CommandContext, threadCommand } from './context.js';
import { assertStaff } from './guards.js';
import { eventActor, eventOf, transitionPayload } from './tell.js';
import { transitionTold } from './transition.js';
import type { ActorInput } from './types.js';

/**
 * Takes ownership of a waiting thread. Under the thread's lock, so of any number of simultaneous claims
 * exactly one wins; the others get a `conflict` naming the owner. Claiming a thread you already own
 * succeeds again (double clicks).
 */
export const claim = threadCommand(
  async (ctx: CommandContext, input: ActorInput & { conversationId: string }): Promise<ConversationView> => {
    assertStaff(input.actor);
    const conversation = await ctx.store.load(input.tenantId, input.conversationId);
    if (conversation.status === 'assigned') {
      if (String(conversation.assigneeId) === input.actor.userId) return toConversationView(conversation);
      throw new AppError(
        'conflict',
        `${conversation.assigneeName ?? 'Another admin'} already owns this conversation.`,
        {
          assigneeId: String(conversation.assigneeId),
          assigneeName: conversation.assigneeName,
        },
      );
    }
    const assignee = { userId: input.actor.userId, name: input.actor.name };
    const { updated } = await transitionTold(
      ctx,
      conversation,
      'claim',
      { set: { assigneeId: objectId(input.actor.userId, 'User'), assigneeName: input.actor.name } },
      (updated) => ({
        event: eventOf(updated, 'conversation.claimed', eventActor(input.actor), {
          ...transitionPayload(conversation, updated, 'claim'),
          assignee,
        }),
        line: {
          author: 'system',
          text: handoffText('claimed', updated.locale, { name: input.actor.name ?? 'An admin' }),
          clientId: `sys:claim:${updated.version}`,
          kind: 'event',
        },
      }),
    );
    return toConversationView(updated);
  },
);
