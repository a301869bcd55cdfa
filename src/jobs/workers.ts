import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { KNOWLEDGE_CONCURRENCY, knowledgeJobs } from '../knowledge/knowledge.jobs.js';
import type { Logger } from '../lib/logger.js';
import { maintenanceJobs } from '../maintenance/maintenance.jobs.js';
import { type JobName, type JobPayload, type JobPayloads, QUEUE_NAMES, type QueueName } from './queues.js';

export interface JobContext {
  logger: Logger;
}

/** A job handler: safe to run twice (BullMQ may retry it), returns a small result or nothing. */
export type JobHandler<P> = (job: Job<P>, context: JobContext) => Promise<unknown>;

export type QueueHandlers<Q extends QueueName> = { [N in JobName<Q>]: JobHandler<JobPayload<Q, N>> };

/** Which handler runs each job: the one table that connects queues to domain code. */
const HANDLERS: { [Q in QueueName]: QueueHandlers<Q> } = {
  maintenance: maintenanceJobs,
  knowledge: knowledgeJobs,
};

export interface WorkerOptions {
  /** A `worker`-purpose connection; BullMQ duplicates it for its blocking commands. The caller closes it. */
  connection: Redis;
  prefix: string;
  concurrency: number;
  logger: Logger;
}

/**
 * Queues whose jobs run more at once than WORKER_CONCURRENCY: knowledge ingestion batches the database
 * writes of the jobs running together, so small files need many at once (it bounds its own memory).
 */
const MIN_CONCURRENCY: Partial<Record<QueueName, number>> = { knowledge: KNOWLEDGE_CONCURRENCY };

/** Starts one BullMQ worker per queue. Close them with `closeWorkers` to let active jobs finish. */
export function startWorkers(options: WorkerOptions): Worker[] {
  return QUEUE_NAMES.map((queueName) => {
    const handlers = HANDLERS[queueName] as Record<string, JobHandler<unknown>>;
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
        concurrency: Math.max(options.concurrency, MIN_CONCURRENCY[queueName] ?? 0),
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
