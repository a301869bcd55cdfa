import { expect } from 'chai';
import {
  assertSafePattern,
  compileRulePattern,
  compileRules,
  type KeywordRuleInput,
  matchKeywordRules,
  UnsafePatternError,
} from '../../../src/handoff/keyword-rules.js';

const rule = (over: Partial<KeywordRuleInput>): KeywordRuleInput => ({
  id: over.id ?? 'r1',
  kind: 'phrase',
  pattern: "can't access",
  category: 'Access',
  priority: 'high',
  notify: [],
  enabled: true,
  ...over,
});

const matches = (kind: 'phrase' | 'regex', pattern: string, text: string) =>
  matchKeywordRules(text, compileRules([rule({ kind, pattern })])).length > 0;

describe('keyword rules', () => {
  describe('phrases', () => {
    it('match case-, accent- and apostrophe-insensitively', () => {
      expect(matches('phrase', "can't access", "I CAN'T ACCESS my course")).to.equal(true);
      expect(matches('phrase', "can't access", 'I can’t access my course')).to.equal(true);
      expect(matches('phrase', "can't access", 'i cant access my course')).to.equal(true);
      expect(matches('phrase', "can't access", 'I can’t   access it')).to.equal(true);
      expect(matches('phrase', 'error de calificación', 'Hay un ERROR DE CALIFICACION en mi nota')).to.equal(
        true,
      );
      expect(matches('phrase', 'error de calificacion', 'Hay un error de calificación')).to.equal(true);
    });

    it('match whole words only', () => {
      expect(matches('phrase', 'grade error', 'There is a grade error in my final')).to.equal(true);
      expect(matches('phrase', 'grade error', 'a grade errors list')).to.equal(false);
      expect(matches('phrase', 'grade', 'my upgrade failed')).to.equal(false);
      expect(matches('phrase', 'nota', 'anotación')).to.equal(false);
    });

    it('treat regular-expression characters literally', () => {
      expect(matches('phrase', 'c++ (exam)', 'my c++ (exam) is broken')).to.equal(true);
      expect(matches('phrase', 'a.b', 'axb')).to.equal(false);
    });
  });

  describe('regular expressions', () => {
    it('match case- and accent-insensitively and word-bounded', () => {
      expect(matches('regex', 'grades? (error|wrong)', 'My GRADE WRONG again')).to.equal(true);
      expect(matches('regex', 'calificaci[oó]n', 'la CALIFICACIÓN está mal')).to.equal(true);
      expect(matches('regex', 'sync', 'asynchronous')).to.equal(false);
    });

    it('refuse catastrophic patterns', () => {
      for (const pattern of [
        '(a+)+$',
        '(a*)*b',
        '(a|aa)+',
        '(x+x+)+y',
        '((ab)*)+',
        '(\\w+\\s?)*$',
        '(.*a){5}',
      ])
        expect(() => assertSafePattern(pattern), pattern).to.throw(UnsafePatternError);
    });

    it('refuse back-references, over-long and broken patterns', () => {
      expect(() => assertSafePattern('(a)\\1')).to.throw(/Back-references/);
      expect(() => assertSafePattern('a'.repeat(201))).to.throw(/longer/);
      expect(() => compileRulePattern('regex', '(abc')).to.throw(UnsafePatternError);
      expect(() => compileRulePattern('regex', '[abc')).to.throw(UnsafePatternError);
      expect(() => compileRulePattern('regex', '   ')).to.throw(UnsafePatternError);
    });

    it('accept ordinary patterns', () => {
      for (const pattern of [
        'grade (error|mistake)',
        'locked out',
        'can.?t (log ?in|access)',
        '\\d{3}-\\d{4}',
        '(exam)? score',
      ])
        expect(() => compileRulePattern('regex', pattern), pattern).to.not.throw();
    });

    it('run over a bounded length of text, so hostile input costs a bounded time', () => {
      // What bounds the time is checked here (safe patterns, above, over at most 8,000 characters); how
      // long hostile input takes is measured by `npm run bench -- in-process`, not asserted on a clock.
      const compiled = compileRules([rule({ kind: 'regex', pattern: 'a+b' })]);
      expect(matchKeywordRules(`${'a'.repeat(4000)}!`, compiled)).to.deep.equal([]);
      expect(matchKeywordRules(`${'x'.repeat(7990)} ab`, compiled)).to.have.length(1);
      expect(matchKeywordRules(`${'x'.repeat(8000)} ab`, compiled)).to.deep.equal([]);
    });
  });

  it('skip disabled rules and rules that no longer compile', () => {
    const compiled = compileRules([
      rule({ id: 'off', enabled: false }),
      rule({ id: 'bad', kind: 'regex', pattern: '(a+)+' }),
      rule({ id: 'ok' }),
    ]);
    expect(compiled.map((r) => r.id)).to.deep.equal(['ok']);
  });

  it('report every matching rule with the text that matched', () => {
    const compiled = compileRules([
      rule({ id: 'access', pattern: "can't access", category: 'Access' }),
      rule({ id: 'grades', pattern: 'grade error', category: 'Grades', priority: 'normal' }),
      rule({ id: 'cert', pattern: 'certificate', category: 'Certificates' }),
    ]);
    const found = matchKeywordRules("I can't access the page with my grade error", compiled);
    expect(found.map((m) => [m.rule.id, m.matched])).to.deep.equal([
      ['access', "can't access"],
      ['grades', 'grade error'],
    ]);
    expect(found[0]!.rule).to.not.have.property('regex');
  });
});
