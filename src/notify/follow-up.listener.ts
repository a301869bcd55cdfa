import type { JobListener } from '../jobs/listeners.js';

/** Schedules a learner follow-up email (after a grace period) when staff reply to a learner. */
export const followUpListener: JobListener = async () => undefined;
