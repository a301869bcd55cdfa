import { expect } from 'chai';
import {
  type CalibrationSample,
  crossValidate,
  fitLogistic,
  logLoss,
} from '../../../src/knowledge/calibration-fit.js';
import {
  applyCalibration,
  type ConfidenceFeatures,
  confidenceFeatures,
} from '../../../src/knowledge/confidence.service.js';
import { KnowledgeEngine } from '../../../src/knowledge/knowledge-engine.service.js';

const features = (coverage: number): ConfidenceFeatures => ({
  coverage,
  strength: 0,
  margin: 0,
  unknown: 0,
  missing: 0,
  title: 0,
  document: 0,
});

/** Questions whose chance of being answerable rises with coverage: 10 % at 0.1 … 90 % at 0.9. */
function samples(): CalibrationSample[] {
  const out: CalibrationSample[] = [];
  for (let level = 1; level <= 9; level++)
    for (let i = 0; i < 10; i++)
      out.push({ features: features(level / 10), good: i < level, set: level % 2 ? 'a' : 'b' });
  return out;
}

describe('confidence calibration', () => {
  it('fits probabilities that match how often answering helped', () => {
    const model = fitLogistic(samples(), ['coverage'], { l2: 0.01 });
    expect(applyCalibration(features(0.1), model)).to.be.closeTo(0.1, 0.06);
    expect(applyCalibration(features(0.5), model)).to.be.closeTo(0.5, 0.06);
    expect(applyCalibration(features(0.9), model)).to.be.closeTo(0.9, 0.06);
  });

  it('cross-validates: every probability comes from a model fitted without that question', () => {
    const all = samples();
    const held = crossValidate(all, ['coverage'], { folds: 5, l2: 0.01 });
    expect(held).to.have.length(all.length);
    const fitted = fitLogistic(all, ['coverage'], { l2: 0.01 });
    const inSample = all.map((s) => applyCalibration(s.features, fitted));
    // Held-out log loss is close to, and not better than, the in-sample one.
    expect(logLoss(held, all)).to.be.at.least(logLoss(inSample, all) - 1e-9);
    expect(logLoss(held, all)).to.be.below(logLoss(inSample, all) + 0.05);
  });

  it('reads a lone weak match as no lead, and a question in another language as foreign', () => {
    const lone = confidenceFeatures({
      queryTerms: [
        { term: 'gym', idf: 5, df: 0 },
        { term: 'open', idf: 1, df: 3 },
      ],
      matchedTerms: new Set(),
      topLexicalScore: 0.5,
      k1: 1.2,
      topSourceScore: 1,
      secondSourceScore: 0,
      foreign: true,
    });
    expect(lone.coverage).to.equal(0);
    expect(lone.margin).to.equal(0);
    expect(lone.unknown).to.be.closeTo(5 / 6, 1e-9);
    expect(lone.foreign).to.equal(1);
  });

  it('declines an off-topic question and answers one the documents cover, at the default threshold', async () => {
    const engine = new KnowledgeEngine();
    await engine.index('t', [
      {
        sourceId: 'password',
        format: 'markdown',
        content:
          '# Reset your password\n\nOn the sign-in page select Forgot password, enter your email address and open the link in the email.',
      },
      {
        sourceId: 'certificates',
        format: 'markdown',
        content: '# Download your certificate\n\nOpen the Progress page and select Download certificate.',
      },
    ]);
    const covered = engine.ask('t', 'How do I reset my password?');
    const offTopic = engine.ask('t', 'What time does the gym open on Sundays?');
    expect(covered.notCovered).to.equal(false);
    expect(offTopic.notCovered).to.equal(true);
    expect(covered.confidence).to.be.above(offTopic.confidence);
  });
});
