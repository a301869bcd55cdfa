/**
 * Sales or prospect intent in a chat message ("can I get a demo", "pricing for our university"), told
 * apart from look-alikes a learner writes (a course's price, a certificate fee, a demo video in a lesson).
 */
export interface LeadIntent {
  /** The message is a prospect's enquiry: the thread goes to sales, never into the admin inbox. */
  lead: boolean;
  /** How sure the detector is, 0–1. */
  score: number;
  /** What it saw (for the Leads page and for tests), e.g. ['demo', 'organisation size']. */
  signals: string[];
}

/** Placeholder until the detector lands: nothing is a lead. */
export function detectLeadIntent(_text: string): LeadIntent {
  return { lead: false, score: 0, signals: [] };
}
