import type { JobListener } from '../jobs/listeners.js';

/** Enqueues `sla.react` for events that can change a thread's clocks. */
export const slaListener: JobListener = async () => undefined;
