import type { ProductRole } from '../users/user.model.js';
import type { HandoffSettings } from './handoff-settings.model.js';

/** The outcome of scoring one bot answer against the low-confidence trigger. */
export interface LowConfidenceResult {
  /** True when this answer counts as low confidence. */
  low: boolean;
  /** Low answers in a row, this one included (0 after a confident answer). */
  streak: number;
  /** How many in a row hand off for this role. */
  threshold: number;
  /** True when the streak reached the threshold (and the trigger is enabled). */
  trigger: boolean;
}

/**
 * Updates the low-confidence streak with one answer. "Not covered" answers count as low whatever their
 * score. A confident answer resets the streak, so N means N in a row.
 */
export function scoreLowConfidence(input: {
  confidence: number;
  notCovered?: boolean;
  previousStreak: number;
  role: ProductRole;
  settings: Pick<HandoffSettings, 'lowConfidence'>;
}): LowConfidenceResult {
  const { lowConfidence } = input.settings;
  const low = Boolean(input.notCovered) || input.confidence < lowConfidence.confidenceThreshold;
  const streak = low ? input.previousStreak + 1 : 0;
  const threshold = Math.max(1, lowConfidence.streak[input.role] ?? lowConfidence.streak.learner);
  return { low, streak, threshold, trigger: lowConfidence.enabled && low && streak >= threshold };
}
