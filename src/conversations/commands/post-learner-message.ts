import { decideHandoff } from '../../handoff/decide.js';
import { handoffText } from '../../handoff/handoff-messages.catalog.js';
import type { HandoffSettings } from '../../handoff/handoff-settings.model.js';
import { AppError } from '../../lib/errors.js';
import { toConversationView } from '../conversation.presenters.js';
import type { MessageView } from '../conversation.views.js';
import { assertClientId } from '../message-rules.js';
import { type CommandContext, threadCommand } from './context.js';
import { duplicateResult } from './duplicate-result.js';
import { loadOwn } from './guards.js';
import { handOffThread } from './hand-off-thread.js';
import { markLead } from './mark-lead.js';
import { postLine } from './post-line.js';
import { continueResolved } from './reopen-thread.js';
import { emit, eventActor, eventOf } from './tell.js';
import { update } from './transition.js';
import { triage } from './triage.js';
import type { PostResult, TextInput } from './types.js';

const EMAIL = /[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}/i;

/**
 * `salesEnquiry`: the caller saw a prospect's enquiry (src/leads): in `bot` no handoff rule applies and
 * the bot does not answer; the caller captures the lead instead.
 */
export type LearnerMessageInput = TextInput & { salesEnquiry?: boolean };

/** The tenant's learner limit, never above the product's (config MESSAGE_MAX_CHARS). */
function learnerText(raw: string, settings: HandoffSettings, maxChars: number, locale: string): string {
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (!text) throw new AppError('bad_request', handoffText('empty', locale));
  const max = Math.min(settings.maxMessageLength, maxChars);
  if (text.length > max)
    throw new AppError('unprocessable', handoffText('tooLong', locale, { max }), { maxLength: max });
  return text;
}

/**
 * A learner's message. Idempotent by `clientId` (a retry returns the first result, never a second
 * message), limited in length and rate, and routed by status: in `bot` it may hand off (asking for a
 * person, keyword rules) or ask the caller to get an answer; in `waiting`/`assigned` it goes to people
 * and the bot stays silent; in `resolved` it reopens the thread within the window, else starts a new one.
 */
export const postLearnerMessage = threadCommand(
  async (ctx: CommandContext, input: LearnerMessageInput): Promise<PostResult> => {
    const settings = await ctx.config.getSettings(input.tenantId);
    let conversation = await loadOwn(ctx.store, input.tenantId, input.conversationId, input.actor.userId);
    const locale = conversation.locale;
    const text = learnerText(input.text, settings, ctx.messageMaxChars, locale);
    assertClientId(input.clientId);

    // Idempotency rests on the unique (conversation, clientId) index: insert first, and a clash means
    // "already posted" (one query fewer on the hot path than looking first).
    const rate = await ctx.store.hitMessageRate(
      input.tenantId,
      input.actor.userId,
      settings.messagesPerMinute,
      ctx.now(),
    );
    if (!rate.allowed) {
      // A retry of a message already stored is answered, not refused.
      const first = await ctx.store.findLearnerMessage(
        conversation.tenantId,
        conversation.user.userId,
        input.clientId,
      );
      if (first) return duplicateResult(ctx, input.tenantId, first);
      throw new AppError('rate_limited', handoffText('rateLimited', locale), {
        retryAfterSeconds: rate.retryAfterSeconds,
      });
    }

    const replies: MessageView[] = [];
    let reopened = false;
    let startedNew = false;
    if (conversation.status === 'resolved') {
      const next = await continueResolved(ctx, conversation, input.actor, settings);
      reopened = next.reopened;
      startedNew = next.startedNew;
      conversation = next.conversation;
      if (next.line) replies.push(next.line);
    }

    const now = ctx.now();
    const thread = conversation;
    const posted = await ctx.store.appendMessage(
      thread,
      {
        author: 'learner',
        authorId: thread.user.userId,
        authorName: input.actor.name ?? thread.user.name,
        kind: 'message',
        text,
        clientId: input.clientId,
        createdAt: now,
      },
      { events: (view) => [eventOf(thread, 'message.posted', eventActor(input.actor), { message: view })] },
    );
    if (posted.duplicate) {
      // A retry: answer with the first message, and give the rate-limit token back.
      await ctx.store.refundMessageRate(input.tenantId, input.actor.userId, ctx.now());
      return duplicateResult(ctx, input.tenantId, posted.message);
    }
    const messageView = posted.message;
    const set: Record<string, unknown> = { lastMessageAt: now, lastLearnerMessageAt: now };
    const asyncCapture = conversation.status === 'waiting' && conversation.handoff?.mode === 'async';
    const email = asyncCapture && !conversation.contactEmail ? EMAIL.exec(text)?.[0] : undefined;
    if (email && email.toLowerCase() !== conversation.user.email?.toLowerCase()) set.contactEmail = email;
    // A prospect's enquiry in a bot thread marks the document and tells of it (`conversation.marked_lead`):
    // the inbox index takes the thread out of every list from that event, and from `leadAt` on rebuilds.
    if (conversation.status === 'bot' && input.salesEnquiry)
      conversation = await markLead(ctx, conversation, { ...set, leadAt: now }, input.actor);
    else
      conversation =
        conversation.status === 'bot' && !set.contactEmail
          ? await ctx.store.touch(conversation, { lastMessageAt: now, lastLearnerMessageAt: now }, ctx.now())
          : await update(ctx, conversation, set);

    if (set.contactEmail) {
      await emit(ctx, conversation, 'conversation.contact_updated', eventActor(input.actor), {
        email: String(set.contactEmail),
      });
      replies.push(
        await postLine(ctx, conversation, {
          author: 'bot',
          text: handoffText('contactNoted', locale, { email: String(set.contactEmail) }),
          clientId: `contact:${input.clientId}`,
        }),
      );
    }

    const result = { message: messageView, duplicate: false, reopened, startedNew, replies };
    if (conversation.status === 'bot' && !input.salesEnquiry) {
      const decision = decideHandoff({
        text,
        locale,
        role: conversation.user.role,
        courseId: conversation.courseId ? String(conversation.courseId) : undefined,
        previousStreak: conversation.lowConfidenceStreak,
        rules: await ctx.config.compiledRules(input.tenantId),
        settings,
        currentPriority: conversation.priority,
      });
      if (decision.handoff) {
        const outcome = await handOffThread(ctx, conversation, decision, settings, input.actor);
        replies.push(outcome.handoff.announcement);
        return {
          ...result,
          conversation: toConversationView(outcome.conversation),
          botShouldAnswer: false,
          handoff: outcome.handoff,
        };
      }
    } else if (conversation.status === 'waiting' || conversation.status === 'assigned') {
      conversation = await triage(ctx, conversation, text, settings, input.actor);
    }
    return {
      ...result,
      conversation: toConversationView(conversation),
      botShouldAnswer: conversation.status === 'bot' && !input.salesEnquiry,
    };
  },
);
