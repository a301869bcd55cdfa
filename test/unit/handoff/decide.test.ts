import { expect } from 'chai';
import { decideHandoff, type HandoffDecisionInput } from '../../../src/handoff/decide.js';
import {
  DEFAULT_HANDOFF_SETTINGS,
  type HandoffSettings,
} from '../../../src/handoff/handoff-settings.model.js';
import { compileRules, type KeywordRuleInput } from '../../../src/handoff/keyword-rules.js';

const RULES: KeywordRuleInput[] = [
  {
    id: 'access',
    name: 'Access problems',
    kind: 'phrase',
    pattern: "can't access",
    category: 'Access',
    priority: 'high',
    notify: [{ type: 'slack', target: 'https://hooks.slack.test/lms' }],
    enabled: true,
  },
  {
    id: 'grades',
    kind: 'phrase',
    pattern: 'grade error',
    category: 'Grades',
    priority: 'normal',
    notify: [{ type: 'email', target: 'registrar@example.edu' }],
    enabled: true,
  },
  {
    id: 'certs',
    kind: 'regex',
    pattern: "(didn't|did not) sync|certificate",
    category: 'Certificates',
    priority: 'normal',
    notify: [],
    enabled: true,
  },
];

const settings: HandoffSettings = {
  ...DEFAULT_HANDOFF_SETTINGS,
  urgentRules: [
    {
      name: 'Instructor locked out',
      roles: ['instructor'],
      categories: ['Access'],
      courseIds: [],
      priority: 'urgent',
    },
  ],
};

const decide = (over: Partial<HandoffDecisionInput>) =>
  decideHandoff({
    text: '',
    role: 'learner',
    previousStreak: 0,
    rules: compileRules(RULES),
    settings,
    ...over,
  });

describe('deciding a handoff', () => {
  it('does nothing for an ordinary question', () => {
    const decision = decide({ text: 'How do I download my badge?' });
    expect(decision).to.include({ handoff: false, priority: 'normal', mode: 'live', offerPerson: false });
    expect(decision.reasons).to.deep.equal([]);
  });

  it('the button: reason human_request via button', () => {
    const decision = decide({ via: 'button' });
    expect(decision.handoff).to.equal(true);
    expect(decision.reasons).to.deep.equal([{ code: 'human_request', via: 'button' }]);
  });

  it('asking for a person: reason human_request via message with the phrase', () => {
    const decision = decide({ text: 'Please connect me with a real person' });
    expect(decision.handoff).to.equal(true);
    expect(decision.reasons[0]).to.deep.include({ code: 'human_request', via: 'message' });
  });

  it('a keyword rule: reason keyword_rule with rule, category, priority and match; notify targets', () => {
    const decision = decide({ text: "There's a grade error in my final exam score" });
    expect(decision.handoff).to.equal(true);
    expect(decision.reasons).to.deep.equal([
      {
        code: 'keyword_rule',
        ruleId: 'grades',
        ruleName: undefined,
        category: 'Grades',
        priority: 'normal',
        matched: 'grade error',
      },
    ]);
    expect(decision.category).to.equal('Grades');
    expect(decision.notify).to.deep.equal([{ type: 'email', target: 'registrar@example.edu' }]);
  });

  it('an instructor locked out of a live class is urgent (rule priority + urgent rule)', () => {
    const decision = decide({
      text: "I can't access my course and the live class starts in 5 minutes!",
      role: 'instructor',
    });
    expect(decision).to.include({ handoff: true, priority: 'urgent', category: 'Access' });
    expect(decision.reasons.map((r) => r.code)).to.deep.equal(['keyword_rule', 'urgent_rule']);
    expect(decision.notify).to.deep.equal([{ type: 'slack', target: 'https://hooks.slack.test/lms' }]);
  });

  it('the same words from a learner are high, not urgent', () => {
    expect(decide({ text: "I can't access my course" }).priority).to.equal('high');
  });

  it('low confidence: learners after two in a row, with streak, threshold and confidence recorded', () => {
    const first = decide({ answer: { confidence: 0.1 } });
    expect(first).to.include({ handoff: false, streak: 1, offerPerson: true });
    const second = decide({ answer: { confidence: 0.12 }, previousStreak: 1 });
    expect(second.handoff).to.equal(true);
    expect(second.reasons).to.deep.equal([
      { code: 'low_confidence', streak: 2, threshold: 2, confidence: 0.12 },
    ]);
  });

  it('low confidence: instructors after one', () => {
    const decision = decide({ role: 'instructor', answer: { confidence: 0.2 } });
    expect(decision.reasons).to.deep.equal([
      { code: 'low_confidence', streak: 1, threshold: 1, confidence: 0.2 },
    ]);
    expect(decision.priority).to.equal('high');
  });

  it('does not offer a person twice when the answer already says it is not covered', () => {
    expect(decide({ answer: { confidence: 0.1, notCovered: true } }).offerPerson).to.equal(false);
  });

  it('outside staff hours the handoff is asynchronous, recorded as out_of_hours', () => {
    const decision = decide({ via: 'button', schedule: { open: false, staffOnline: false } });
    expect(decision.mode).to.equal('async');
    expect(decision.reasons.map((r) => r.code)).to.deep.equal(['human_request', 'out_of_hours']);
  });

  it('in hours with nobody watching the inbox it is asynchronous too (no_staff_online)', () => {
    const decision = decide({ via: 'button', schedule: { open: true, staffOnline: false } });
    expect(decision.mode).to.equal('async');
    expect(decision.reasons.at(-1)).to.deep.equal({ code: 'no_staff_online' });
    expect(decide({ via: 'button', schedule: { open: true, staffOnline: true } }).mode).to.equal('live');
  });

  it('the schedule never starts a handoff by itself', () => {
    const decision = decide({
      text: 'How do I see my progress?',
      schedule: { open: false, staffOnline: false },
    });
    expect(decision).to.include({ handoff: false, mode: 'live' });
    expect(decision.reasons).to.deep.equal([]);
  });

  it('each trigger can be switched off per tenant (the button always works)', () => {
    const off: HandoffSettings = {
      ...settings,
      humanRequest: { enabled: false },
      keywordRules: { enabled: false },
      lowConfidence: { ...settings.lowConfidence, enabled: false },
      schedule: { enabled: false },
    };
    expect(decide({ settings: off, text: 'talk to a human' }).handoff).to.equal(false);
    expect(decide({ settings: off, text: 'grade error' }).handoff).to.equal(false);
    expect(decide({ settings: off, role: 'instructor', answer: { confidence: 0 } }).handoff).to.equal(false);
    const button = decide({ settings: off, via: 'button', schedule: { open: false, staffOnline: false } });
    expect(button).to.include({ handoff: true, mode: 'live' });
  });

  it('records several triggers together', () => {
    const decision = decide({ text: 'grade error — can I talk to a human?' });
    expect(decision.reasons.map((r) => r.code)).to.deep.equal(['human_request', 'keyword_rule']);
  });

  it('the evaluation set keyword examples each hand off with their category', () => {
    const cases: [string, string, 'learner' | 'instructor'][] = [
      ["I can't access my course and the live class starts in 5 minutes!", 'Access', 'instructor'],
      ["There's a grade error in my final exam score", 'Grades', 'learner'],
      ["My course completion didn't sync and I can't get my certificate", 'Certificates', 'learner'],
    ];
    for (const [text, category, role] of cases) {
      const decision = decide({ text, role });
      expect(decision.handoff, text).to.equal(true);
      expect(decision.category, text).to.equal(category);
    }
  });
});
