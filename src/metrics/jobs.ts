import type { Job, Worker } from 'bullmq';
import { metrics } from './definitions.js';

const seconds = (ms: number) => Math.max(0, ms) / 1000;

/**
 * A job attempt started: how long after it was due (first attempts only: a retry waits for its
 * backoff on purpose). SLA timers also report their lateness against the due time they carry.
 */
export function recordJobStart(queue: string, job: Job, now = Date.now()): void {
  if (job.attemptsMade > 0) return;
  const started = job.processedOn ?? now;
  metrics.chatref_job_wait_seconds.labels(queue).observe(seconds(started - job.timestamp - (job.delay ?? 0)));
  if (queue === 'sla' && job.name === 'fire') {
    const { dueAt, stage } = job.data as { dueAt?: string; stage?: string };
    const due = dueAt ? Date.parse(dueAt) : Number.NaN;
    if (Number.isFinite(due))
      metrics.chatref_sla_timer_lateness_seconds.labels(stage ?? 'unknown').observe(seconds(started - due));
  }
}

/** A job attempt ended: its outcome and how long it ran. */
export function recordJobEnd(queue: string, job: Job | undefined, outcome: 'completed' | 'failed'): void {
  const name = job?.name ?? 'unknown';
  metrics.chatref_jobs_finished_total.labels(queue, name, outcome).inc();
  if (job?.processedOn && job.finishedOn)
    metrics.chatref_job_duration_seconds
      .labels(queue, name)
      .observe(seconds(job.finishedOn - job.processedOn));
}

/** Listens to the workers' own events (no change to any handler). */
export function observeWorkers(workers: readonly Worker[]): void {
  for (const worker of workers) {
    const queue = worker.name;
    worker.on('active', (job) => recordJobStart(queue, job));
    worker.on('completed', (job) => recordJobEnd(queue, job, 'completed'));
    worker.on('failed', (job) => recordJobEnd(queue, job, 'failed'));
  }
}
