import type { ConfidenceCalibrationSet } from './confidence.service.js';

/**
 * Fitted by `npm run calibrate` (scripts/calibrate.ts) on the pooled development questions of
 * samples/eval/ (questions.jsonl and questions-hard.jsonl) over samples/knowledge/. Refit after a change
 * to retrieval or to the features; the script prints the cross-validated figures it was chosen by.
 */
export const CONFIDENCE_CALIBRATION: ConfidenceCalibrationSet = {
  lexical: {
    intercept: -0.7832,
    weights: {
      coverage: 2.3704,
      strength: 1.2232,
      margin: 0.7168,
      unknown: -0.8611,
      missing: -0.484,
      title: 0.9988,
      document: 0.851,
      foreign: 0.8924,
    },
  },
  byModel: {
    'multilingual-e5-small': {
      intercept: -1.7928,
      weights: {
        coverage: 1.9726,
        strength: 1.0109,
        margin: 0.4032,
        unknown: -0.2759,
        missing: -0.4429,
        title: 0.6961,
        document: 1.1328,
        foreign: 1.5634,
        vector: 2.1684,
        vectorMargin: -0.4194,
      },
      vectorRange: [0.839, 0.9147],
    },
  },
};
