import { randomUUID } from 'node:crypto';
import { decideHandoff } from '../../handoff/decide.js';
import { handoffText } from '../../handoff/handoff-messages.catalog.js';
import { toConversationView } from '../conversation.presenters.js';
import { type CommandContext, threadCommand } from './context.js';
import { handOffThread } from './hand-off-thread.js';
import { postLine } from './post-line.js';
import { eventOf } from './tell.js';
import { update } from './transition.js';
import type { BotAnswerInput, BotAnswerResult } from './types.js';

/**
 * Stores the assistant's answer to a learner message and applies the low-confidence trigger: after N weak
 * answers in a row (per role) the thread is handed off; a weak answer short of that gets an offer of a
 * person. Dropped if an admin took the thread while the bot was thinking (the bot stays silent then).
 */
export const recordBotAnswer = threadCommand(
  async (ctx: CommandContext, input: BotAnswerInput): Promise<BotAnswerResult> => {
    let conversation = await ctx.store.load(input.tenantId, input.conversationId);
    if (conversation.status === 'assigned' || conversation.status === 'resolved')
      return { conversation: toConversationView(conversation) };
    // Idempotent through the unique (conversation, clientId) index, like learner messages.
    const clientId = input.replyTo ? `bot:${input.replyTo}` : `bot:${randomUUID()}`;
    const thread = conversation;
    const posted = await ctx.store.appendMessage(
      thread,
      {
        author: 'bot',
        kind: 'message',
        text: input.text,
        citations: input.citations ?? [],
        confidence: input.confidence,
        answer: input.answer,
        clientId,
        createdAt: ctx.now(),
      },
      { events: (view) => [eventOf(thread, 'message.posted', { role: 'bot' }, { message: view })] },
    );
    const message = posted.message;
    if (posted.duplicate) return { conversation: toConversationView(conversation), message };
    const answeredAt = new Date(message.createdAt);
    if (conversation.status !== 'bot') {
      // Handed off while the bot was answering: the answer is useful context, but triggers no longer apply.
      conversation = await update(ctx, conversation, { lastMessageAt: answeredAt });
      return { conversation: toConversationView(conversation), message };
    }

    const settings = await ctx.config.getSettings(input.tenantId);
    const decision = decideHandoff({
      text: '',
      role: conversation.user.role,
      courseId: conversation.courseId ? String(conversation.courseId) : undefined,
      answer: { confidence: input.confidence, notCovered: input.notCovered },
      previousStreak: conversation.lowConfidenceStreak,
      rules: [],
      settings,
      currentPriority: conversation.priority,
    });
    conversation =
      decision.streak === (conversation.lowConfidenceStreak ?? 0)
        ? await ctx.store.touch(conversation, { lastMessageAt: answeredAt }, ctx.now())
        : await update(ctx, conversation, {
            lastMessageAt: answeredAt,
            lowConfidenceStreak: decision.streak,
          });

    if (decision.handoff) {
      const learner = { userId: String(conversation.user.userId), role: conversation.user.role };
      const outcome = await handOffThread(ctx, conversation, decision, settings, learner, { role: 'bot' });
      return { conversation: toConversationView(outcome.conversation), message, handoff: outcome.handoff };
    }
    if (decision.offerPerson) {
      const offer = await postLine(ctx, conversation, {
        author: 'bot',
        text: handoffText('lowConfidenceOffer', conversation.locale),
        clientId: `offer:${message.id}`,
      });
      return { conversation: toConversationView(conversation), message, offer };
    }
    return { conversation: toConversationView(conversation), message };
  },
);
