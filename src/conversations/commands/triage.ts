import { keywordRuleReason } from '../../handoff/decide.js';
import type { HandoffReason } from '../../handoff/handoff.types.js';
import type { HandoffSettings } from '../../handoff/handoff-settings.model.js';
import { matchKeywordRules } from '../../handoff/keyword-rules.js';
import { computePriority } from '../../handoff/priority.js';
import type { Conversation } from '../conversation.model.js';
import { type Actor, PRIORITY_RANK } from '../conversation.types.js';
import type { CommandContext } from './context.js';
import { emit, eventActor } from './tell.js';
import { update } from './transition.js';

/** Keyword rules still raise priority and category while people handle the thread. */
export async function triage(
  ctx: CommandContext,
  conversation: Conversation,
  text: string,
  settings: HandoffSettings,
  actor: Actor,
): Promise<Conversation> {
  if (!settings.keywordRules.enabled) return conversation;
  const matches = matchKeywordRules(text, await ctx.config.compiledRules(String(conversation.tenantId)));
  if (!matches.length) return conversation;
  const { priority, urgentRules } = computePriority({
    role: conversation.user.role,
    courseId: conversation.courseId ? String(conversation.courseId) : undefined,
    categories: matches.map((m) => m.rule.category),
    rulePriorities: matches.map((m) => m.rule.priority),
    urgentRules: settings.urgentRules,
    current: conversation.priority,
  });
  const top = [...matches].sort((a, b) => PRIORITY_RANK[b.rule.priority] - PRIORITY_RANK[a.rule.priority])[0];
  const category = conversation.category ?? top?.rule.category;
  if (priority === conversation.priority && category === conversation.category) return conversation;
  const updated = await update(ctx, conversation, { priority, ...(category ? { category } : {}) });
  const reasons: HandoffReason[] = [
    ...matches.map(keywordRuleReason),
    ...urgentRules.map((r) => ({ code: 'urgent_rule' as const, ruleName: r.name })),
  ];
  await emit(ctx, updated, 'conversation.triaged', eventActor(actor), {
    priority,
    category,
    reasons,
    notify: matches.flatMap((m) => m.rule.notify),
  });
  return updated;
}
