import type { JobServices } from '../jobs/job-services.js';
import type { QueueHandlers } from '../jobs/workers.js';
import { SlaEngine } from './clock-engine.js';
import { fireTimer } from './clock-fire.js';
import { retimeTenant } from './clock-retime.js';
import { runDigest } from './digest.js';
import { escalateStep } from './escalation.js';
import { sweepTimers } from './sweep.js';
import { tenantSlas } from './tenant-sla.js';

/** Handlers of the `sla` queue: the timer engine (see clock-engine.ts) and the review digest. */
export function slaJobs(services: JobServices): QueueHandlers<'sla'> {
  const engine = new SlaEngine(services, services.sla ?? tenantSlas());
  return {
    react: (job) => engine.react(job.data, { retry: job.attemptsMade > 0 }),
    fire: (job) => fireTimer(engine, job.data),
    escalate: (job) => escalateStep(engine, job.data),
    retime: (job) => retimeTenant(engine, job.data),
    sweep: () => sweepTimers(engine),
    digest: (job) => runDigest(job, services),
  };
}
