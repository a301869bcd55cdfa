import { expect } from 'chai';
import {
  ConfidenceLineFilter,
  groundedUserMessage,
  groundingSystemPrompt,
  parseConfidence,
} from '../../../src/assistant/grounding-prompt.js';

function run(pieces: string[]): { shown: string[]; text: string; confidence: number | null } {
  const shown: string[] = [];
  const filter = new ConfidenceLineFilter((t) => shown.push(t));
  for (const p of pieces) filter.push(p);
  const text = filter.end();
  return { shown, text, confidence: filter.confidence };
}

describe('model answers: the confidence line', () => {
  it('never shows the confidence line, even when it arrives in pieces', () => {
    const r = run(['Open the ', 'Progress page [1].\nCONF', 'IDENCE', ': 0.', '85']);
    expect(r.shown.join('')).to.equal('Open the Progress page [1].\n');
    expect(r.text).to.equal('Open the Progress page [1].');
    expect(r.confidence).to.equal(0.85);
  });

  it('shows text as it streams when no confidence line follows', () => {
    const r = run(['Click ', 'the ', 'Course ', 'tab.']);
    expect(r.shown).to.deep.equal(['Click ', 'the ', 'Course ', 'tab.']);
    expect(r.confidence).to.equal(null);
  });

  it('reads common spellings of the confidence line', () => {
    expect(parseConfidence('CONFIDENCE: 0.7')).to.equal(0.7);
    expect(parseConfidence('**Confidence:** 1')).to.equal(1);
    expect(parseConfidence('confidence: 0,4')).to.equal(0.4);
    expect(parseConfidence('I am confident this helps')).to.equal(null);
  });
});

describe('model answers: the grounding prompt', () => {
  it('numbers the passages and states the citation and honesty rules', () => {
    const user = groundedUserMessage('How do I enroll?', [
      { title: 'Enrolling', heading: 'Steps', text: 'Select Enroll.' },
      { title: 'Courses', heading: '', text: 'Find a course.' },
    ]);
    expect(user).to.include('[1] Enrolling › Steps\nSelect Enroll.');
    expect(user).to.include('[2] Courses\nFind a course.');
    const system = groundingSystemPrompt('en');
    expect(system).to.match(/only from the numbered passages/);
    expect(system).to.match(/\[1\], \[2\]/);
    expect(system).to.match(/Never invent steps/);
    expect(system).to.match(/Never reveal/);
    expect(groundingSystemPrompt('es-MX')).to.match(/Answer in Spanish/);
  });
});
