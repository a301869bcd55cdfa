import type { Job } from 'bullmq';
import type { InboxIndex } from '../inbox/inbox-index.js';
import { TeamService } from '../inbox/teams.js';
import type { JobServices } from '../jobs/job-services.js';
import type { JobPayloads } from '../jobs/queues.js';
import type { QueueHandlers } from '../jobs/workers.js';
import { requestNotifications } from '../notify/notifier.js';
import { RedisInboxIndex } from '../storage/inbox/redis-inbox-index.js';
import { RedisDigestMarks } from '../storage/sla/redis-digest-marks.js';
import { SlaEngine } from './clock-engine.js';
import { fireTimer } from './clock-fire.js';
import { retimeTenant } from './clock-retime.js';
import { sendDueDigests } from './digest.js';
import { escalateStep } from './escalation.js';
import { sweepTimers } from './sweep.js';
import { tenantSlas } from './tenant-sla.js';

/** Handlers of the `sla` queue: the timer engine (see clock-engine.ts) and the review digest. */
export function slaJobs(services: JobServices): QueueHandlers<'sla'> {
  const slas = services.sla ?? tenantSlas();
  const engine = new SlaEngine(services, slas);
  // One index reader per worker process (it holds nothing but its connection and a team cache).
  let index: InboxIndex | undefined;
  const runDigest = async (job: Job<JobPayloads['sla']['digest']>) => {
    const prefix = services.config.REDIS_PREFIX;
    index ??= new RedisInboxIndex({
      redis: services.redis,
      prefix,
      teams: new TeamService(),
      logger: services.logger,
    });
    const notify = { queues: services.queues, config: services.config, logger: services.logger };
    const outcomes = await sendDueDigests(
      {
        marks: new RedisDigestMarks(services.redis, prefix),
        index,
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
