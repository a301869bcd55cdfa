import type { ConfidenceCalibrationSet } from './confidence.service.js';

/**
 * Fitted by `npm run calibrate` (scripts/calibrate.ts) on the pooled development questions of
 * samples/eval/ (questions.jsonl and questions-hard.jsonl) over samples/knowledge/. Refit after a change
 * to retrieval or to the features; the script prints the cross-validated figures it was chosen by.
 */
export const CONFIDENCE_CALIBRATION: ConfidenceCalibrationSet = {
  lexical: {
    intercept: -0.1239,
    weights: {
      coverage: 2.2295,
      strength: 0.9336,
      margin: 0.8018,
      unknown: -0.3703,
      missing: -0.5725,
      title: 0.9599,
      document: 0.2763,
    },
  },
  byModel: {},
  anyModel: {
    intercept: -0.1239,
    weights: {
      coverage: 2.2295,
      strength: 0.9336,
      margin: 0.8018,
      unknown: -0.3703,
      missing: -0.5725,
      title: 0.9599,
      document: 0.2763,
    },
  },
};
