import { expect } from 'chai';
import { defaultTenantKeywordRules, evaluateHandoffs } from '../../../src/handoff/handoff-eval.js';
import { DEFAULT_HANDOFF_SETTINGS } from '../../../src/handoff/handoff-settings.model.js';
import { compileRules } from '../../../src/handoff/keyword-rules.js';
import type { EvalQuestion } from '../../../src/knowledge/evaluation.js';
import { DEFAULT_KEYWORD_RULES } from '../../../src/tenants/tenant.service.js';

const questions: EvalQuestion[] = [
  { id: 'h1', question: 'I want to talk to a human', kind: 'human_request', role: 'learner' },
  { id: 'h2', question: 'Quiero hablar con una persona', kind: 'human_request', role: 'learner' },
  { id: 'h3', question: 'whatever', kind: 'human_request', role: 'instructor' },
  { id: 'k1', question: "I can't access the unit", kind: 'keyword', keyword_category: 'access' },
  {
    id: 'k2',
    question: 'There is a grade error on quiz 2',
    kind: 'keyword',
    keyword_category: 'certificates',
  },
  { id: 'k3', question: 'my certificate is missing', kind: 'keyword', keyword_category: 'certificates' },
  { id: 'a1', question: 'How do I add a TA to my course team?', kind: 'answerable', sources: ['x.md'] },
];

describe('handoff figures of the eval (the product decision on labelled questions)', () => {
  it("uses the keyword rules a new tenant gets, enabled, in the tenant's order", () => {
    const rules = defaultTenantKeywordRules();
    expect(rules.map((r) => r.pattern)).to.deep.equal(DEFAULT_KEYWORD_RULES.map((r) => r.pattern));
    expect(rules.every((r) => r.enabled && r.kind === 'phrase')).to.equal(true);
  });

  it('counts explicit-request handoffs, keyword rule hits, category matches and false triggers', () => {
    const { summary, outcomes } = evaluateHandoffs(questions);
    expect(summary).to.deep.equal({
      humanRequests: 3,
      humanRequestHandoffs: 2,
      handoffRate: 0.6667,
      keywordQuestions: 3,
      keywordRuleHits: 2,
      keywordRuleHitRate: 0.6667,
      // k2 matched "grade error" (Grades), not its labelled category.
      keywordCategoryMatches: 1,
      otherQuestions: 1,
      otherHumanRequestHandoffs: 0,
      otherKeywordRuleHits: 0,
    });
    expect(outcomes.find((o) => o.id === 'k1')?.ruleCategories).to.deep.equal(['Access']);
  });

  it("follows the tenant's settings and rules when given: person requests off, a certificates rule added", () => {
    const rules = compileRules([
      ...defaultTenantKeywordRules(),
      {
        id: 'cert',
        kind: 'phrase',
        pattern: 'certificate',
        category: 'Certificates',
        priority: 'normal',
        notify: [],
        enabled: true,
      },
    ]);
    const settings = { ...DEFAULT_HANDOFF_SETTINGS, humanRequest: { enabled: false } };
    const { summary } = evaluateHandoffs(questions, { rules, settings });
    expect(summary.humanRequestHandoffs).to.equal(0);
    expect(summary.keywordRuleHits).to.equal(3);
    expect(summary.keywordCategoryMatches).to.equal(2);
  });

  it('reports 0 (not NaN) for a set without human_request or keyword questions', () => {
    const { summary } = evaluateHandoffs(questions.filter((q) => q.kind === 'answerable'));
    expect(summary.handoffRate).to.equal(0);
    expect(summary.keywordRuleHitRate).to.equal(0);
  });
});
