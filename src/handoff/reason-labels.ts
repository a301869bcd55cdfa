import type { HandoffReasonCode } from './handoff.types.js';

/** What staff pages call each handoff reason (the inbox's list uses the same words). */
export const HANDOFF_REASON_LABELS: Record<HandoffReasonCode, string> = {
  human_request: 'Asked for a person',
  low_confidence: 'Low-confidence answers',
  keyword_rule: 'Keyword rule',
  urgent_rule: 'Urgent rule',
  out_of_hours: 'Out of staff hours',
  no_staff_online: 'No admin was online',
};
