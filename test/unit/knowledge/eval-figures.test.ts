import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { formatSummary, reportJson } from '../../../src/knowledge/eval-report.js';
import { evaluateSets, questionFiles, readQuestionSets } from '../../../src/knowledge/eval-sets.js';
import { type EvalAnswer, type EvalQuestion, summarise } from '../../../src/knowledge/evaluation.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/eval-small');

interface Canned {
  id: string;
  ms: number;
  sources: string[];
  confidence: number;
  notCovered: boolean;
  text: string;
}

/**
 * The eval's figures on test/fixtures/eval-small, through the functions `npm run eval` uses
 * (readQuestionSets, evaluateSets, reportJson), with a pipeline that answers what answers.jsonl says.
 * Every expected figure below is worked out by hand from those files.
 */
describe('eval figures on a fixture set with known answers', () => {
  async function evaluate() {
    const canned = new Map<string, Canned>(
      (await readFile(path.join(FIXTURE, 'answers.jsonl'), 'utf8'))
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Canned)
        .map((c) => [c.id, c]),
    );
    // Latencies come from answers.jsonl: asking a question moves this clock by its `ms`.
    let clock = 0;
    const ask = (q: EvalQuestion): EvalAnswer => {
      const c = canned.get(q.id);
      if (!c) throw new Error(`no canned answer for ${q.id}`);
      clock += c.ms;
      return { ...c, sources: c.sources.map((s) => ({ sourceId: s })) };
    };
    const files = questionFiles([
      `${path.join(FIXTURE, 'questions-a.jsonl')},${path.join(FIXTURE, 'questions-b.jsonl')}`,
    ]);
    const sets = await readQuestionSets(files);
    return evaluateSets(sets, { ask, threshold: 0.3, now: () => clock });
  }

  it('prints the main figures of each set and of both pooled', async () => {
    const { sets, pooled } = await evaluate();
    expect(sets.map((s) => s.name)).to.deep.equal(['questions-a', 'questions-b']);
    const [a, b] = sets.map((s) => s.summary);
    // Set A, answerable a1–a5: first correct source at rank 1, 2, 4, 1, none. Answered: a1, a2, a3.
    // Useful (answered and a hit in the top 3): a1, a2. Out of scope a6 (flagged), a7 (answered).
    expect(a).to.deep.include({
      answerable: 5,
      top1HitRate: 0.4,
      top3HitRate: 0.6,
      answeredRate: 0.6,
      usefulRate: 0.4,
      outOfScope: 2,
      notCoveredRate: 0.5,
      // Scored questions' ms sorted: 2 3 4 6 8 10 12 (a8, a person request, is left out). Nearest rank.
      p50Ms: 6,
      p95Ms: 12,
      // Answered replies: a1 11 words, a2 13, a3 5 (URLs and "[1]" are not words), a7 7 → 5 7 11 13.
      answerWordsP50: 7,
      answerWordsP90: 13,
      threshold: 0.3,
      thresholdAgreement: 1,
      mode: 'extractive',
    });
    expect(a?.counts).to.deep.equal({ answerable: 5, out_of_scope: 2, human_request: 1 });
    // Set B: b1 and b2 hit at rank 1 and are answered; b3 (out of scope) is answered.
    expect(b).to.deep.include({
      answerable: 2,
      top1HitRate: 1,
      top3HitRate: 1,
      answeredRate: 1,
      usefulRate: 1,
      outOfScope: 1,
      notCoveredRate: 0,
      p50Ms: 7,
      p95Ms: 9,
      answerWordsP50: 7,
      answerWordsP90: 11,
    });
    // Pooled: 7 answerable (top1 a1 a4 b1 b2; top3 + a2; answered a1 a2 a3 b1 b2; useful a1 a2 b1 b2),
    // 3 out of scope (a6 flagged); ms 2 3 4 5 6 7 8 9 10 12; words 5 6 7 7 11 11 13.
    expect(pooled).to.deep.include({
      answerable: 7,
      top1HitRate: 0.571,
      top3HitRate: 0.714,
      answeredRate: 0.714,
      usefulRate: 0.571,
      outOfScope: 3,
      notCoveredRate: 0.333,
      p50Ms: 6,
      p95Ms: 12,
      answerWordsP50: 7,
      answerWordsP90: 13,
    });
  });

  it('splits the figures by the language of the question and by role', async () => {
    const { sets, pooled } = await evaluate();
    const a = sets[0]?.summary;
    const group = (answerable: number, top1: number, top3: number, answered: number, useful: number) => ({
      answerable,
      top1HitRate: top1,
      top3HitRate: top3,
      answeredRate: answered,
      usefulRate: useful,
    });
    // English: a1 a3 a5 (+ a6 flagged); Spanish a2; French a4 (not answered); Portuguese only a7 (answered).
    expect(a?.byLanguage).to.deep.equal({
      en: { ...group(3, 0.333, 0.333, 0.667, 0.333), outOfScope: 1, notCoveredRate: 1 },
      es: { ...group(1, 0, 1, 1, 1), outOfScope: 0, notCoveredRate: 0 },
      fr: { ...group(1, 1, 1, 0, 0), outOfScope: 0, notCoveredRate: 0 },
      pt: { ...group(0, 0, 0, 0, 0), outOfScope: 1, notCoveredRate: 0 },
    });
    expect(a?.byRole).to.deep.equal({
      admin: { ...group(1, 0, 0, 0, 0), outOfScope: 1, notCoveredRate: 0 },
      instructor: { ...group(2, 0.5, 0.5, 0.5, 0), outOfScope: 0, notCoveredRate: 0 },
      learner: { ...group(2, 0.5, 1, 1, 1), outOfScope: 1, notCoveredRate: 1 },
    });
    // Spanish pooled: a2 (hit at rank 2) and b2 (rank 1), both answered.
    expect(pooled.byLanguage.es).to.deep.include(group(2, 0.5, 1, 1, 1));
  });

  it('draws the answered/not-covered curve from the confidences of the one pass', async () => {
    const { sets } = await evaluate();
    const curve = sets[0]?.summary.curve ?? [];
    expect(curve.map((p) => p.threshold)).to.deep.equal([
      0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95,
    ]);
    const at = (t: number) => curve.find((p) => p.threshold === t);
    // Answerable confidences: a1 .82 (hit), a2 .45 (hit), a3 .35 (miss), a4 .25 (hit), a5 nothing
    // retrieved (never answered). Out of scope: a6 .15, a7 .62.
    expect(at(0.05)).to.deep.equal({
      threshold: 0.05,
      answeredRate: 0.8,
      usefulRate: 0.6,
      notCoveredRate: 0,
      balanced: 0.3,
    });
    expect(at(0.2)).to.deep.include({
      answeredRate: 0.8,
      usefulRate: 0.6,
      notCoveredRate: 0.5,
      balanced: 0.55,
    });
    // At the threshold the questions were asked with, the curve gives the figures of the run.
    expect(at(0.3)).to.deep.include({
      answeredRate: 0.6,
      usefulRate: 0.4,
      notCoveredRate: 0.5,
      balanced: 0.45,
    });
    expect(at(0.5)).to.deep.include({
      answeredRate: 0.2,
      usefulRate: 0.2,
      notCoveredRate: 0.5,
      balanced: 0.35,
    });
    expect(at(0.65)).to.deep.include({
      answeredRate: 0.2,
      usefulRate: 0.2,
      notCoveredRate: 1,
      balanced: 0.6,
    });
    expect(at(0.85)).to.deep.include({ answeredRate: 0, usefulRate: 0, notCoveredRate: 1, balanced: 0.5 });
  });

  it('puts the threshold the questions were asked with on the curve when it is between its steps', async () => {
    const { outcomes } = await evaluate();
    const curve = summarise(outcomes, { threshold: 0.33 }).curve;
    expect(curve.map((p) => p.threshold).slice(5, 8)).to.deep.equal([0.3, 0.33, 0.35]);
    // a1 .82, a2 .45, a3 .35, b1 .7, b2 .55 answered of 7; b3 (.32) now flagged with a6.
    expect(curve[6]).to.deep.include({ answeredRate: 0.714, notCoveredRate: 0.667 });
  });

  it('tabulates how often answering was right per confidence bin', async () => {
    const { sets } = await evaluate();
    const { bins, ece } = sets[0]?.summary.reliability ?? { bins: [], ece: null };
    expect(bins).to.have.length(10);
    expect(
      bins
        .filter((bin) => bin.count > 0)
        .map((bin) => [
          bin.from,
          bin.count,
          bin.answerable,
          bin.outOfScope,
          bin.meanConfidence,
          bin.correctRate,
        ]),
    ).to.deep.equal([
      [0, 1, 1, 0, 0, 0], // a5: nothing retrieved
      [0.1, 1, 0, 1, 0.15, 0], // a6: out of scope is never right to answer
      [0.2, 1, 1, 0, 0.25, 1], // a4: hit at rank 1
      [0.3, 1, 1, 0, 0.35, 0], // a3: correct article only at rank 4
      [0.4, 1, 1, 0, 0.45, 1], // a2
      [0.6, 1, 0, 1, 0.62, 0], // a7
      [0.8, 1, 1, 0, 0.82, 1], // a1
    ]);
    // (0 + .15 + .75 + .35 + .55 + .62 + .18) / 7
    expect(ece).to.equal(0.371);
  });

  it('tells per role how calibrated the confidence is and which threshold balances best', async () => {
    const { sets } = await evaluate();
    expect(sets[0]?.summary.calibrationByRole).to.deep.equal({
      // a5 (nothing retrieved) is never useful; a7 (.62) is flagged from 0.65 on: balanced (0 + 1) / 2.
      admin: { ece: 0.31, bestThreshold: 0.65, bestBalanced: 0.5 },
      // No out-of-scope question, so no balance to find; |.25-1| and |.35-0|.
      instructor: { ece: 0.55, bestThreshold: null, bestBalanced: null },
      // a1 .82 and a2 .45 useful, a6 .15 flagged above it: both from 0.2 on. (.15 + .55 + .18) / 3.
      learner: { ece: 0.293, bestThreshold: 0.2, bestBalanced: 1 },
    });
  });

  it('prints a dash for a rate over no question and marks the threshold asked with on the curve', async () => {
    const { sets } = await evaluate();
    const set = sets[0];
    if (!set) throw new Error('set A was not evaluated');
    const lines = formatSummary('questions-a', set);
    const pt = lines.find((l) => l.startsWith('language pt'));
    // Portuguese has only a7, out of scope and answered: no answerable rate, not-covered 0.
    expect(pt?.replace(/\s+/g, ' ')).to.equal(
      'language pt top1 - top3 - answered - useful - not-covered 0.0% (answerable 0, out_of_scope 1)',
    );
    expect(lines.filter((l) => l.trimEnd().endsWith('*')).map((l) => l.trim().split(/\s+/)[0])).to.deep.equal(
      ['0.30'],
    );
    expect(lines).to.include('answer words         p50 7  p90 13 (shown at once, answered questions)');
  });

  it('writes the report with the old keys and the new ones, pooled on top and per set', async () => {
    const result = await evaluate();
    const json = reportJson(result.sets, result.pooled, { commit: 'abc' }) as Record<string, unknown>;
    for (const key of [
      'answerable',
      'top1HitRate',
      'top3HitRate',
      'answeredRate',
      'outOfScope',
      'notCoveredRate',
      'p50Ms',
      'p95Ms',
      'mode',
      'usefulRate',
      'byLanguage',
      'byRole',
      'answerWordsP50',
      'answerWordsP90',
      'curve',
      'reliability',
    ])
      expect(json).to.have.property(key);
    expect(json).to.include({ commit: 'abc', usefulRate: 0.571, answerable: 7 });
    expect(json).not.to.have.property('counts');
    const perSet = json.sets as Record<string, Record<string, unknown>>;
    expect(Object.keys(perSet)).to.deep.equal(['questions-a', 'questions-b']);
    expect(perSet['questions-a']).to.include({ usefulRate: 0.4, answerWordsP50: 7, top3HitRate: 0.6 });
    expect(perSet['questions-b']?.file).to.equal(path.join(FIXTURE, 'questions-b.jsonl'));
  });
});
