import { pctOf } from '../knowledge/eval-report.js';
import { askerRole } from '../knowledge/eval-sets.js';
import type { EvalQuestion } from '../knowledge/evaluation.js';
import { DEFAULT_KEYWORD_RULES } from '../tenants/tenant.service.js';
import type { ProductRole } from '../users/user.model.js';
import { decideHandoff } from './decide.js';
import { DEFAULT_HANDOFF_SETTINGS, type HandoffSettings } from './handoff-settings.model.js';
import { type CompiledRule, compileRules } from './keyword-rules.js';

/**
 * The keyword rules a new tenant starts with (createTenant stores {@link DEFAULT_KEYWORD_RULES} as
 * enabled phrase rules), compiled as the chat compiles stored rules.
 */
export function defaultTenantKeywordRules(): CompiledRule[] {
  return compileRules(
    DEFAULT_KEYWORD_RULES.map((rule) => ({
      id: `default-${rule.order}`,
      name: rule.name,
      kind: 'phrase' as const,
      pattern: rule.pattern,
      category: rule.category,
      priority: rule.priority,
      notify: [],
      enabled: true,
    })),
  );
}

/** What the handoff decision did with one labelled question. */
export interface HandoffOutcome {
  id: string;
  kind: string;
  /** The decision handed off because the message asks for a person. */
  humanRequest: boolean;
  /** Categories of the keyword rules that matched. */
  ruleCategories: string[];
}

/** Handoff figures over the `human_request` and `keyword` questions of a set, and false triggers elsewhere. */
export interface HandoffSummary {
  humanRequests: number;
  humanRequestHandoffs: number;
  /** Share of `human_request` questions handed off as an explicit request (0 when there are none). */
  handoffRate: number;
  keywordQuestions: number;
  keywordRuleHits: number;
  /** Share of `keyword` questions some keyword rule matched (0 when there are none). */
  keywordRuleHitRate: number;
  /** `keyword` questions a rule of the labelled category matched (category names compared case-blind). */
  keywordCategoryMatches: number;
  /** The other questions (answerable, out of scope…), and how many of them each trigger fired on. */
  otherQuestions: number;
  otherHumanRequestHandoffs: number;
  otherKeywordRuleHits: number;
}

/** The asker's role as the eval asks the knowledge base (a question without one is a learner's). */
const roleOf = (q: EvalQuestion): ProductRole => askerRole(q) ?? 'learner';

/**
 * Asks the product's handoff decision ({@link decideHandoff}) about each question as a first message,
 * with the default handoff settings and the default keyword rules of a new tenant unless given others.
 */
export function evaluateHandoffs(
  questions: readonly EvalQuestion[],
  options: { rules?: readonly CompiledRule[]; settings?: HandoffSettings } = {},
): { summary: HandoffSummary; outcomes: HandoffOutcome[] } {
  const rules = options.rules ?? defaultTenantKeywordRules();
  const settings = options.settings ?? DEFAULT_HANDOFF_SETTINGS;
  const outcomes = questions.map((q): HandoffOutcome => {
    const decision = decideHandoff({ text: q.question, role: roleOf(q), previousStreak: 0, rules, settings });
    return {
      id: q.id,
      kind: q.kind,
      humanRequest: decision.reasons.some((r) => r.code === 'human_request'),
      ruleCategories: decision.reasons.flatMap((r) => (r.code === 'keyword_rule' ? [r.category] : [])),
    };
  });
  const of = (kind: string) => outcomes.filter((o) => o.kind === kind);
  const others = outcomes.filter((o) => o.kind !== 'human_request' && o.kind !== 'keyword');
  const human = of('human_request');
  const keyword = of('keyword');
  const labelled = new Map(questions.map((q) => [q.id, q.keyword_category?.toLowerCase()]));
  const rate = (n: number, d: number) => (d === 0 ? 0 : Number((n / d).toFixed(4)));
  const humanHandoffs = human.filter((o) => o.humanRequest).length;
  const ruleHits = keyword.filter((o) => o.ruleCategories.length > 0).length;
  return {
    summary: {
      humanRequests: human.length,
      humanRequestHandoffs: humanHandoffs,
      handoffRate: rate(humanHandoffs, human.length),
      keywordQuestions: keyword.length,
      keywordRuleHits: ruleHits,
      keywordRuleHitRate: rate(ruleHits, keyword.length),
      keywordCategoryMatches: keyword.filter((o) =>
        o.ruleCategories.some((c) => c.toLowerCase() === labelled.get(o.id)),
      ).length,
      otherQuestions: others.length,
      otherHumanRequestHandoffs: others.filter((o) => o.humanRequest).length,
      otherKeywordRuleHits: others.filter((o) => o.ruleCategories.length > 0).length,
    },
    outcomes,
  };
}

/** The printed lines of a set's handoff figures. */
export function formatHandoffSummary(s: HandoffSummary): string[] {
  return [
    `handoff              ${pctOf(s.handoffRate, s.humanRequests)}  (${s.humanRequestHandoffs} of ${s.humanRequests} human_request questions handed off as a request for a person; default settings)`,
    `keyword rules        ${pctOf(s.keywordRuleHitRate, s.keywordQuestions)}  (${s.keywordRuleHits} of ${s.keywordQuestions} keyword questions matched a default rule, ${s.keywordCategoryMatches} in their labelled category)`,
    `false triggers       ${s.otherHumanRequestHandoffs} asked-for-a-person, ${s.otherKeywordRuleHits} keyword-rule of ${s.otherQuestions} other questions`,
  ];
}
