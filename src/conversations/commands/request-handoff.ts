import { decideHandoff } from '../../handoff/decide.js';
import { toConversationView } from '../conversation.presenters.js';
import { type CommandContext, threadCommand } from './context.js';
import { loadOwn } from './guards.js';
import { handOffThread } from './hand-off-thread.js';
import { continueResolved } from './reopen-thread.js';
import type { ActorInput, RequestHandoffResult } from './types.js';

/**
 * The learner pressed "Talk to a person". Idempotent: a thread already with people is returned as is;
 * a resolved one reopens (within the window).
 */
export const requestHandoff = threadCommand(
  async (
    ctx: CommandContext,
    input: ActorInput & { conversationId: string },
  ): Promise<RequestHandoffResult> => {
    let conversation = await loadOwn(ctx.store, input.tenantId, input.conversationId, input.actor.userId);
    const settings = await ctx.config.getSettings(input.tenantId);
    if (conversation.status === 'resolved')
      conversation = (await continueResolved(ctx, conversation, input.actor, settings)).conversation;
    if (conversation.status !== 'bot')
      return { conversation: toConversationView(conversation), alreadyWithPeople: true };
    const decision = decideHandoff({
      text: '',
      via: 'button',
      role: conversation.user.role,
      courseId: conversation.courseId ? String(conversation.courseId) : undefined,
      previousStreak: conversation.lowConfidenceStreak,
      rules: [],
      settings,
      currentPriority: conversation.priority,
    });
    const outcome = await handOffThread(ctx, conversation, decision, settings, input.actor);
    return {
      conversation: toConversationView(outcome.conversation),
      handoff: outcome.handoff,
      alreadyWithPeople: false,
    };
  },
);
