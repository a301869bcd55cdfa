import { expect } from 'chai';
import { DEFAULT_HANDOFF_SETTINGS, type UrgentRule } from '../../../src/handoff/handoff-settings.model.js';
import { scoreLowConfidence } from '../../../src/handoff/low-confidence.js';
import { computePriority, urgentRuleMatches } from '../../../src/handoff/priority.js';

const settings = DEFAULT_HANDOFF_SETTINGS;
const urgent: UrgentRule = {
  name: 'Instructor locked out',
  roles: ['instructor'],
  categories: ['Access'],
  courseIds: [],
  priority: 'urgent',
};

describe('priority from LMS context', () => {
  it('puts instructors above learners by default', () => {
    const base = { categories: [], rulePriorities: [], urgentRules: [] };
    expect(computePriority({ ...base, role: 'learner' }).priority).to.equal('normal');
    expect(computePriority({ ...base, role: 'instructor' }).priority).to.equal('high');
  });

  it("takes a keyword rule's priority when higher, never lowers", () => {
    const base = { categories: ['Grades'], urgentRules: [] };
    expect(computePriority({ ...base, role: 'learner', rulePriorities: ['high'] }).priority).to.equal('high');
    expect(computePriority({ ...base, role: 'instructor', rulePriorities: ['low'] }).priority).to.equal(
      'high',
    );
    expect(
      computePriority({ ...base, role: 'learner', rulePriorities: [], current: 'urgent' }).priority,
    ).to.equal('urgent');
  });

  it('makes an instructor locked out urgent, but not a learner with the same problem', () => {
    const input = { categories: ['access'], rulePriorities: ['high' as const], urgentRules: [urgent] };
    const instructor = computePriority({ ...input, role: 'instructor' });
    expect(instructor.priority).to.equal('urgent');
    expect(instructor.urgentRules.map((r) => r.name)).to.deep.equal(['Instructor locked out']);
    expect(computePriority({ ...input, role: 'learner' }).priority).to.equal('high');
  });

  it('combines role, category and course in urgent rules', () => {
    const rule: UrgentRule = { ...urgent, courseIds: ['c1'] };
    expect(urgentRuleMatches(rule, { role: 'instructor', categories: ['Access'], courseId: 'c1' })).to.equal(
      true,
    );
    expect(urgentRuleMatches(rule, { role: 'instructor', categories: ['Access'], courseId: 'c2' })).to.equal(
      false,
    );
    expect(urgentRuleMatches(rule, { role: 'instructor', categories: ['Grades'], courseId: 'c1' })).to.equal(
      false,
    );
    expect(urgentRuleMatches(rule, { role: 'instructor', categories: ['Access'] })).to.equal(false);
  });
});

describe('low-confidence streak', () => {
  const score = (
    confidence: number,
    previousStreak: number,
    role: 'learner' | 'instructor',
    notCovered = false,
  ) => scoreLowConfidence({ confidence, previousStreak, role, settings, notCovered });

  it('hands off an instructor after one low answer', () => {
    expect(score(0.1, 0, 'instructor')).to.include({ low: true, streak: 1, threshold: 1, trigger: true });
  });

  it('hands off a learner after two low answers in a row, not one', () => {
    expect(score(0.1, 0, 'learner')).to.include({ streak: 1, threshold: 2, trigger: false });
    expect(score(0.1, 1, 'learner')).to.include({ streak: 2, trigger: true });
  });

  it('resets the streak after a confident answer', () => {
    expect(score(0.9, 1, 'learner')).to.include({ low: false, streak: 0, trigger: false });
  });

  it('counts "not covered" as low whatever the score', () => {
    expect(score(0.95, 0, 'instructor', true)).to.include({ low: true, trigger: true });
  });

  it('uses the tenant threshold and per-role streaks, and can be switched off', () => {
    const custom = {
      lowConfidence: {
        enabled: true,
        confidenceThreshold: 0.6,
        streak: { learner: 3, instructor: 2, admin: 1 },
      },
    };
    expect(
      scoreLowConfidence({ confidence: 0.5, previousStreak: 1, role: 'learner', settings: custom }),
    ).to.include({
      low: true,
      streak: 2,
      trigger: false,
    });
    const off = { lowConfidence: { ...custom.lowConfidence, enabled: false } };
    expect(
      scoreLowConfidence({ confidence: 0, previousStreak: 5, role: 'admin', settings: off }).trigger,
    ).to.equal(false);
  });
});
