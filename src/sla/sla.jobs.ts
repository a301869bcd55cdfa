import type { Job } from 'bullmq';
import type { JobServices } from '../jobs/job-services.js';
import type { JobPayloads } from '../jobs/queues.js';
import type { QueueHandlers } from '../jobs/workers.js';
import { requestNotifications } from '../notify/notifier.js';
import { SlaEngine } from './clock-engine.js';
import { fireTimer } from './clock-fire.js';
import { retimeTenant } from './clock-retime.js';
import { sendDueDigests } from './digest.js';
import { escalateStep } from './escalation.js';
import { sweepTimers } from './sweep.js';

/** Handlers of the `sla` queue: the timer engine (see clock-engine.ts) and the review digest. */
export function slaJobs(services: JobServices): QueueHandlers<'sla'> {
  const slas = services.sla;
  const engine = new SlaEngine(services, slas);
  const runDigest = async (job: Job<JobPayloads['sla']['digest']>) => {
    const notify = { queues: services.queues, config: services.config, logger: services.logger };
    const outcomes = await sendDueDigests(
      {
        marks: services.slaPorts.digestMarks,
        index: services.slaPorts.inboxIndex,
        tenantSla: slas,
        request: (request) => requestNotifications(notify, request),
        logger: services.logger,
      },
      job.data.tenantId ? [job.data.tenantId] : undefined,
    );
    const sent = Object.values(outcomes).filter((outcome) => outcome === 'sent').length;
    return { tenants: Object.keys(outcomes).length, sent };
  };
  return {
    react: (job) => engine.react(job.data, { retry: job.attemptsMade > 0 }),
    fire: (job) => fireTimer(engine, job.data),
    escalate: (job) => escalateStep(engine, job.data),
    retime: (job) => retimeTenant(engine, job.data),
    sweep: () => sweepTimers(engine),
    digest: runDigest,
  };
}
