import { PRIORITY_RANK, type Priority } from '../conversations/conversation.types.js';
import type { ProductRole } from '../users/user.model.js';
import type { HandoffMode, HandoffReason, NotifyTarget } from './handoff.types.js';
import type { HandoffSettings } from './handoff-settings.model.js';
import { detectHumanRequest } from './human-request.js';
import { type CompiledRule, matchKeywordRules, type RuleMatch } from './keyword-rules.js';
import { type LowConfidenceResult, scoreLowConfidence } from './low-confidence.js';
import { computePriority } from './priority.js';

/** Why a thread is handed off or triaged: a keyword rule matched (the rule as it was, and the words). */
export function keywordRuleReason({ rule, matched }: RuleMatch): HandoffReason {
  return {
    code: 'keyword_rule',
    ruleId: rule.id,
    ruleName: rule.name,
    category: rule.category,
    priority: rule.priority,
    matched,
  };
}

/** Everything a handoff decision looks at; plain data so it is testable without a database. */
export interface HandoffDecisionInput {
  /** The learner's message (for a button press: their last question, or empty). */
  text: string;
  locale?: string | null;
  role: ProductRole;
  courseId?: string;
  /** Set when the learner pressed "Talk to a person". */
  via?: 'button';
  /** The bot's answer to this message, when deciding after answering. */
  answer?: { confidence: number; notCovered?: boolean };
  /** Low-confidence answers in a row before this one. */
  previousStreak: number;
  rules: readonly CompiledRule[];
  settings: HandoffSettings;
  /** The thread's current priority (a decision never lowers it). */
  currentPriority?: Priority;
  /** Staff hours and presence now; omitted means "open and watched". */
  schedule?: { open: boolean; staffOnline: boolean };
}

/** What to do, and why. */
export interface HandoffDecision {
  handoff: boolean;
  /** Every trigger that fired, plus why the handoff is asynchronous, if it is. */
  reasons: HandoffReason[];
  priority: Priority;
  category?: string;
  /** People and channels matched keyword rules ask to notify (deduplicated). */
  notify: NotifyTarget[];
  mode: HandoffMode;
  /** The low-confidence streak after this answer (unchanged when there was no answer). */
  streak: number;
  lowConfidence?: LowConfidenceResult;
  /** The answer was weak but not yet enough to hand off: the bot should offer a person. */
  offerPerson: boolean;
}

/**
 * Decides whether a message (and the bot's answer to it, if any) hands the thread to people. Triggers:
 * the button or asking for a person, a keyword rule, or a run of low-confidence answers; each enabled per
 * tenant and each recorded as a reason. Priority comes from role, rules and urgent rules; the schedule
 * decides whether the handoff is live or asynchronous.
 */
export function decideHandoff(input: HandoffDecisionInput): HandoffDecision {
  const { settings } = input;
  const reasons: HandoffReason[] = [];

  // The button always works: it is the learner's explicit request, whatever the phrasing settings.
  if (input.via === 'button') reasons.push({ code: 'human_request', via: 'button' });
  else if (settings.humanRequest.enabled && input.text) {
    const match = detectHumanRequest(input.text, input.locale);
    if (match) reasons.push({ code: 'human_request', via: 'message', phrase: match.phrase });
  }

  const matches =
    settings.keywordRules.enabled && input.text ? matchKeywordRules(input.text, input.rules) : [];
  for (const match of matches) reasons.push(keywordRuleReason(match));

  let lowConfidence: LowConfidenceResult | undefined;
  let streak = input.previousStreak;
  if (input.answer) {
    lowConfidence = scoreLowConfidence({
      confidence: input.answer.confidence,
      notCovered: input.answer.notCovered,
      previousStreak: input.previousStreak,
      role: input.role,
      settings,
    });
    streak = lowConfidence.streak;
    if (lowConfidence.trigger)
      reasons.push({
        code: 'low_confidence',
        streak: lowConfidence.streak,
        threshold: lowConfidence.threshold,
        confidence: input.answer.confidence,
      });
  }

  const handoff = reasons.length > 0;
  // The category comes from the most urgent matched rule (the first of equals, in rule order).
  const top = [...matches].sort((a, b) => PRIORITY_RANK[b.rule.priority] - PRIORITY_RANK[a.rule.priority])[0];
  const categories = matches.map((m) => m.rule.category);
  const { priority, urgentRules } = computePriority({
    role: input.role,
    courseId: input.courseId,
    categories,
    rulePriorities: matches.map((m) => m.rule.priority),
    urgentRules: handoff ? settings.urgentRules : [],
    current: input.currentPriority,
  });
  for (const rule of urgentRules) reasons.push({ code: 'urgent_rule', ruleName: rule.name });

  const schedule = handoff ? scheduleMode(settings, input.schedule) : { mode: 'live' as const, reasons: [] };
  reasons.push(...schedule.reasons);
  const mode = schedule.mode;

  const seen = new Set<string>();
  const notify: NotifyTarget[] = [];
  for (const { rule } of matches)
    for (const target of rule.notify) {
      const key = `${target.type}:${target.target}`;
      if (!seen.has(key)) {
        seen.add(key);
        notify.push({ type: target.type, target: target.target });
      }
    }

  return {
    handoff,
    reasons,
    priority,
    category: top?.rule.category,
    notify,
    mode,
    streak,
    lowConfidence,
    offerPerson: !handoff && Boolean(lowConfidence?.low) && !input.answer?.notCovered,
  };
}

/**
 * Live or asynchronous: outside staff hours, or in hours with nobody watching the inbox, the reply comes
 * later (and the reason is recorded). Without schedule information, or with the trigger off, it is live.
 */
export function scheduleMode(
  settings: Pick<HandoffSettings, 'schedule'>,
  schedule: { open: boolean; staffOnline: boolean } | undefined,
): { mode: HandoffMode; reasons: HandoffReason[] } {
  if (!settings.schedule.enabled || !schedule) return { mode: 'live', reasons: [] };
  if (!schedule.open) return { mode: 'async', reasons: [{ code: 'out_of_hours' }] };
  if (!schedule.staffOnline) return { mode: 'async', reasons: [{ code: 'no_staff_online' }] };
  return { mode: 'live', reasons: [] };
}
