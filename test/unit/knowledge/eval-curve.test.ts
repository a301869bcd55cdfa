import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../../src/app/embedded-services.js';
import { answerStrings } from '../../../src/knowledge/answer-strings.catalog.js';
import { type ScoredOutcome, thresholdCurve } from '../../../src/knowledge/eval-curve.js';
import { detectQuestionLanguage } from '../../../src/knowledge/eval-language.js';
import { askEngine, evaluateSets, readQuestionSets } from '../../../src/knowledge/eval-sets.js';
import {
  countWords,
  readDocumentFolder,
  readQuestions,
  runEvaluation,
} from '../../../src/knowledge/evaluation.js';
import { SECTION_MARKER } from '../../../src/knowledge/extractive-answer.service.js';
import { KnowledgeEngine } from '../../../src/knowledge/knowledge-engine.service.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/eval-small');

function expectMonotone(curve: ReturnType<typeof thresholdCurve>) {
  for (let i = 1; i < curve.length; i++) {
    const [before, after] = [curve[i - 1], curve[i]];
    if (!before || !after) continue;
    expect(after.threshold).to.be.greaterThan(before.threshold);
    expect(after.answeredRate, `answered at ${after.threshold}`).to.be.at.most(before.answeredRate);
    expect(after.usefulRate, `useful at ${after.threshold}`).to.be.at.most(before.usefulRate);
    expect(after.notCoveredRate, `not covered at ${after.threshold}`).to.be.at.least(before.notCoveredRate);
  }
}

describe('eval threshold curve', () => {
  it('never answers more as the threshold rises', () => {
    // Deterministic pseudo-random outcomes, some with nothing retrieved.
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const outcomes: ScoredOutcome[] = Array.from({ length: 300 }, () => ({
      kind: next() < 0.7 ? 'answerable' : 'out_of_scope',
      confidence: next(),
      retrieved: next() > 0.05,
      notCovered: false,
      hitRank: next() < 0.6 ? 1 + Math.floor(next() * 5) : null,
    }));
    const curve = thresholdCurve(
      outcomes,
      Array.from({ length: 101 }, (_, i) => i / 100),
    );
    expectMonotone(curve);
    expect(curve[0]?.notCoveredRate).to.be.below(0.1);
    expect(curve.at(-1)?.answeredRate).to.be.below(0.05);
  });

  it('predicts from one pass what the engine decides at each threshold', async () => {
    const engine = new KnowledgeEngine();
    await engine.index('t', await readDocumentFolder(path.join(FIXTURE, 'docs')));
    const sets = await readQuestionSets([
      path.join(FIXTURE, 'questions-a.jsonl'),
      path.join(FIXTURE, 'questions-b.jsonl'),
    ]);
    const { pooled } = await evaluateSets(sets, { ask: askEngine(engine, 't', 0.3), threshold: 0.3 });
    expect(pooled.thresholdAgreement).to.equal(1);
    expect(pooled.top1HitRate, 'the fixture questions name their article plainly').to.be.at.least(0.5);
    expectMonotone(pooled.curve);
    // The same questions asked again with the threshold set to each point of the curve (as a tenant's
    // setting would) are answered and flagged as the curve said.
    for (const point of pooled.curve) {
      const again = await evaluateSets(sets, {
        ask: askEngine(engine, 't', point.threshold),
        threshold: point.threshold,
      });
      expect(
        { answered: again.pooled.answeredRate, notCovered: again.pooled.notCoveredRate },
        `threshold ${point.threshold}`,
      ).to.deep.equal({ answered: point.answeredRate, notCovered: point.notCoveredRate });
    }
  });
});

describe('eval helpers', () => {
  it('finds the languages the development set says it has', async () => {
    // samples/eval/README.md: answerable 57 English, 12 Spanish, 2 Portuguese, 1 French; out of scope
    // 26 English, 2 Spanish.
    const questions = await readQuestions(path.join(PROJECT_ROOT, 'samples/eval/questions-hard.jsonl'));
    const counts: Record<string, number> = {};
    for (const q of questions) {
      const key = `${q.kind} ${detectQuestionLanguage(q.question)}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    expect(counts).to.deep.equal({
      'answerable en': 57,
      'answerable es': 12,
      'answerable pt': 2,
      'answerable fr': 1,
      'out_of_scope en': 26,
      'out_of_scope es': 2,
    });
  });

  it('counts an answer up to "Show the whole section", not the section behind it', async () => {
    const shown = 'From: Grades › Export [1]\n\nOpen the Instructor tab and select Data Download.';
    const text = `${shown}${SECTION_MARKER}${answerStrings('en').wholeSection}\n${'More words here. '.repeat(50)}`;
    const { outcomes } = await runEvaluation({
      questions: [{ id: 'q', question: 'how do I export grades', kind: 'answerable', sources: ['g.md'] }],
      ask: () => ({ sources: [{ sourceId: 'g.md' }], notCovered: false, confidence: 0.9, text }),
    });
    expect(outcomes[0]?.answerWords).to.equal(countWords(shown)).and.to.equal(11);
  });

  it('counts the words a reader sees in a reply', () => {
    expect(
      countWords(
        'From: Grades › Export\n\n1. Open **Instructor**.\n2. Select [Data Download](https://x.org/a) [1]',
      ),
    ).to.equal(8);
    expect(countWords('See https://example.org/x — done.')).to.equal(2);
  });
});
