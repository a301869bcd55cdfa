import type { EventActor } from '../../events/catalog.js';
import { type HandoffDecision, scheduleMode } from '../../handoff/decide.js';
import { buildHandoffCard } from '../../handoff/handoff-card.js';
import { handoffAnnouncement } from '../../handoff/handoff-messages.catalog.js';
import type { HandoffSettings } from '../../handoff/handoff-settings.model.js';
import type { Conversation } from '../conversation.model.js';
import { type Actor, maxPriority } from '../conversation.types.js';
import type { CommandContext } from './context.js';
import { eventActor, eventOf, transitionPayload } from './tell.js';
import { transitionTold } from './transition.js';
import type { HandoffOutcome } from './types.js';

/**
 * Applies a handoff decision (the learner's message, the bot's weak answer, the button): reply-by from the
 * tenant's calendar, the card, the bot → waiting transition, the event, and the announcement.
 */
export async function handOffThread(
  ctx: CommandContext,
  conversation: Conversation,
  decision: HandoffDecision,
  settings: HandoffSettings,
  actor: Actor,
  by: EventActor = eventActor(actor),
): Promise<{ conversation: Conversation; handoff: HandoffOutcome }> {
  const tenantId = String(conversation.tenantId);
  const now = ctx.now();
  const policy = await ctx.replyPolicies(tenantId);
  const open = policy.calendar.isOpen(now);
  // Presence costs a Redis call, so it is only asked when it can matter (in hours, schedule trigger on).
  const staffOnline =
    open && settings.schedule.enabled
      ? await ctx.presence.anyStaffOnline(tenantId, settings.staffPresenceSeconds)
      : true;
  const schedule = scheduleMode(settings, { open, staffOnline });
  const reasons = [
    ...decision.reasons.filter((r) => r.code !== 'out_of_hours' && r.code !== 'no_staff_online'),
    ...schedule.reasons,
  ];
  const mode = schedule.mode;
  const priority = maxPriority(decision.priority, conversation.priority);
  const category = decision.category ?? conversation.category;
  // The attributes SLA rules choose a policy by: the timers choose with the same ones, so they agree.
  const replyBy = policy.replyBy(priority, now, {
    category,
    role: conversation.user.role,
    courseId: conversation.courseId ? String(conversation.courseId) : undefined,
    keywordRuleIds: decision.reasons.flatMap((r) => (r.code === 'keyword_rule' ? [r.ruleId] : [])),
  });
  const replyByText = policy.calendar.describe(replyBy, conversation.locale, now);

  const recent = (await ctx.store.recentMessages(conversation, 12)).reverse();
  const learnerMessages = recent
    .filter((m) => m.author === 'learner')
    .map((m) => m.text)
    .reverse()
    .slice(-5);
  const lastBot = recent.find((m) => m.author === 'bot');
  const card = await buildHandoffCard({
    learnerMessages,
    botAnswer: lastBot
      ? { text: lastBot.text, citations: lastBot.citations ?? [], confidence: lastBot.confidence }
      : undefined,
    reasons,
    mode,
    priority,
    category,
    user: {
      userId: String(conversation.user.userId),
      role: conversation.user.role,
      name: conversation.user.name,
      email: conversation.contactEmail ?? conversation.user.email,
    },
    course:
      conversation.courseId || conversation.context?.courseTitle
        ? {
            courseId: conversation.courseId ? String(conversation.courseId) : undefined,
            title: conversation.context?.courseTitle,
            label: conversation.context?.courseLabel,
          }
        : undefined,
    lms: { ...conversation.context, locale: conversation.locale },
    replyByText,
    now,
  });

  // "Within an hour" is only honest when the target fits before closing time; otherwise say when.
  const targetMinutes = policy.targetMinutes(priority);
  const sameStretch = replyBy.getTime() - now.getTime() <= targetMinutes * 60_000 + 1000;
  const { updated, line: announcement } = await transitionTold(
    ctx,
    conversation,
    'handoff',
    { set: { priority, ...(category ? { category } : {}), handoff: card, replyBy, lowConfidenceStreak: 0 } },
    (updated) => ({
      event: eventOf(updated, 'conversation.handed_off', by, {
        ...transitionPayload(conversation, updated, 'handoff'),
        priority,
        category,
        replyBy: replyBy.toISOString(),
        mode,
        reasons,
        notify: decision.notify,
        summary: card.summary,
      }),
      line: {
        author: 'bot',
        text: handoffAnnouncement({
          locale: updated.locale,
          mode,
          outOfHours: !open,
          replyByText,
          targetMinutes,
          sameStretch,
          email: updated.contactEmail ?? updated.user.email,
        }),
        clientId: `handoff:${updated.version}`,
      },
    }),
  );
  return {
    conversation: updated,
    handoff: { reasons, priority, category, mode, replyBy: replyBy.toISOString(), replyByText, announcement },
  };
}
