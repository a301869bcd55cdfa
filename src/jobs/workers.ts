import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { dashboardJobs } from '../insights/dashboard.jobs.js';
import { gapJobs } from '../insights/gap.jobs.js';
import { topicJobs } from '../insights/topic.jobs.js';
import { knowledgeJobs } from '../knowledge/knowledge.jobs.js';
import type { KnowledgeRuntime } from '../knowledge/knowledge-runtime.js';
import { labelledMissJobs } from '../knowledge/labelled-miss.jobs.js';
import type { Logger } from '../lib/logger.js';
import { maintenanceJobs } from '../maintenance/maintenance.jobs.js';
import { notifyJobs } from '../notify/notify.jobs.js';
import { privacyJobs } from '../privacy/privacy.jobs.js';
import { slaJobs } from '../sla/sla.jobs.js';
import type { JobServices } from './job-services.js';
import { type JobName, type JobPayload, type JobPayloads, QUEUE_NAMES, type QueueName } from './queues.js';

export interface JobContext {
  logger: Logger;
}

/** A job handler: safe to run twice (BullMQ may retry it), returns a small result or nothing. */
export type JobHandler<P> = (job: Job<P>, context: JobContext) => Promise<unknown>;

export type QueueHandlers<Q extends QueueName> = { [N in JobName<Q>]: JobHandler<JobPayload<Q, N>> };

type HandlerTable = { [Q in QueueName]: QueueHandlers<Q> };

/** Which handler runs each job: the one table that connects queues to domain code. */
function handlersFor(services?: JobServices, knowledge?: KnowledgeRuntime): Partial<HandlerTable> {
  const knowledgeRuntime = knowledge ?? services;
  return {
    maintenance: maintenanceJobs,
    ...(knowledgeRuntime ? { knowledge: knowledgeJobs(knowledgeRuntime) } : {}),
    ...(services
      ? {
          sla: slaJobs(services),
          notify: notifyJobs(services),
          review: labelledMissJobs(services),
          topics: topicJobs(services),
          insights: dashboardJobs(services),
          gaps: gapJobs(services),
          privacy: privacyJobs(services),
        }
      : {}),
  };
}

export interface WorkerOptions {
  /** A `worker`-purpose connection; BullMQ duplicates it for its blocking commands. The caller closes it. */
  connection: Redis;
  prefix: string;
  /** Jobs per queue at once (WORKER_CONCURRENCY)… */
  concurrency: number;
  /** …unless a queue has its own figure (KNOWLEDGE_WORKER_CONCURRENCY for ingestion). */
  queueConcurrency?: Partial<Record<QueueName, number>>;
  logger: Logger;
  /**
   * How long a running job's lock lasts without renewal (JOB_LOCK_MS; BullMQ renews it every half). A
   * worker killed mid-job stops renewing: the job is found stalled within this again and runs elsewhere.
   */
  lockMs?: number;
  /** The queues this process consumes (default: all of them). */
  queues?: readonly QueueName[];
  /** What the SLA and notification handlers need; required when those queues are consumed. */
  services?: JobServices;
  /** What the knowledge handlers need when `services` are not given (ingestion-only processes). */
  knowledge?: KnowledgeRuntime;
}

/** Starts one BullMQ worker per queue. Close them with `closeWorkers` to let active jobs finish. */
export function startWorkers(options: WorkerOptions): Worker[] {
  const table = handlersFor(options.services, options.knowledge);
  return (options.queues ?? QUEUE_NAMES).map((queueName) => {
    const handlers = table[queueName] as Record<string, JobHandler<unknown>> | undefined;
    if (!handlers) throw new Error(`queue "${queueName}" needs the job services to run`);
    const logger = options.logger.child({ queue: queueName });
    const worker = new Worker(
      queueName,
      async (job) => {
        const handler = handlers[job.name];
        if (!handler) throw new Error(`no handler for job "${job.name}" on queue "${queueName}"`);
        return handler(job, { logger: logger.child({ job: job.name, jobId: job.id }) });
      },
      {
        connection: options.connection,
        prefix: options.prefix,
        concurrency: options.queueConcurrency?.[queueName] ?? options.concurrency,
        ...(options.lockMs ? { lockDuration: options.lockMs, stalledInterval: options.lockMs } : {}),
      },
    );
    worker.on('failed', (job, error) =>
      logger.warn({ job: job?.name, jobId: job?.id, attempt: job?.attemptsMade, err: error }, 'job failed'),
    );
    worker.on('error', (error) => logger.warn({ err: error }, 'worker error'));
    return worker;
  });
}

/** Stops taking new jobs and waits for the active ones to finish. */
export async function closeWorkers(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((worker) => worker.close()));
}

export type { JobPayloads };
