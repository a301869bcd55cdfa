import type { ConfidenceCalibrationSet } from './confidence.service.js';

/**
 * Fitted by `npm run calibrate` (scripts/calibrate.ts) on the pooled development questions of
 * samples/eval/ (questions.jsonl and questions-hard.jsonl) over samples/knowledge/. Refit after a change
 * to retrieval or to the features; the script prints the cross-validated figures it was chosen by.
 */
export const CONFIDENCE_CALIBRATION: ConfidenceCalibrationSet = {
  lexical: {
    intercept: -0.2866,
    weights: {
      coverage: 2.3207,
      strength: 0.9643,
      margin: 0.7941,
      unknown: -0.8284,
      missing: -0.5425,
      title: 0.9368,
      document: 0.4129,
      foreign: 0.8116,
    },
  },
  byModel: {
    'multilingual-e5-small': {
      intercept: -1.2965,
      weights: {
        coverage: 1.9869,
        strength: 0.7898,
        margin: 0.3808,
        unknown: -0.3806,
        missing: -0.5262,
        title: 0.7275,
        document: 0.7923,
        foreign: 1.4185,
        vector: 2.0083,
        vectorMargin: -0.8091,
      },
      vectorRange: [0.839, 0.9147],
    },
  },
  anyModel: {
    intercept: -0.2866,
    weights: {
      coverage: 2.3207,
      strength: 0.9643,
      margin: 0.7941,
      unknown: -0.8284,
      missing: -0.5425,
      title: 0.9368,
      document: 0.4129,
      foreign: 0.8116,
    },
  },
};
