import { Counter, Gauge, Histogram } from 'prom-client';
import { readQueueDepths } from './queues.js';
import { registry } from './registry.js';

/*
 * Every metric of the product, in one place. Labels are bounded sets the code decides (route patterns,
 * queue and job names, reason codes, SLA targets), never tenant, user, course or thread ids: with
 * thousands of tenants each id would multiply every series, and per-tenant figures belong in the
 * product's own Insights, which are scoped to the tenant's staff.
 */

const registers = [registry];

/** Seconds, from a fast in-memory answer to a slow model call. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const httpDuration = new Histogram({
  name: 'chatref_http_request_duration_seconds',
  help: 'HTTP requests by express route pattern (never the raw URL), method and status class; live streams are counted in chatref_live_connections instead',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: LATENCY_BUCKETS,
  registers,
});

export const liveConnections = new Gauge({
  name: 'chatref_live_connections',
  help: 'Server-Sent Events streams open on this process, by kind (chat: learners, inbox: staff)',
  labelNames: ['kind'] as const,
  registers,
});

export const liveConnectionsOpened = new Counter({
  name: 'chatref_live_connections_opened_total',
  help: 'Server-Sent Events streams opened on this process, by kind (reconnect storms show here)',
  labelNames: ['kind'] as const,
  registers,
});

export const queueScrapeErrors = new Counter({
  name: 'chatref_queue_scrape_errors_total',
  help: 'Scrapes whose queue depths could not be read (Redis unreachable)',
  registers,
});

export const queueJobs = new Gauge({
  name: 'chatref_queue_jobs',
  help: 'Jobs per BullMQ queue and state, read from Redis at scrape time (the same figure on every replica)',
  labelNames: ['queue', 'state'] as const,
  registers,
  async collect() {
    const depths = await readQueueDepths();
    // Redis down: no depth samples this scrape (a stale figure would look healthy).
    this.reset();
    if (depths === 'unavailable') queueScrapeErrors.inc();
    else for (const { queue, state, jobs } of depths) this.labels(queue, state).set(jobs);
  },
});

export const jobsFinished = new Counter({
  name: 'chatref_jobs_finished_total',
  help: 'Job attempts this worker finished, by queue, job name and outcome (completed or failed)',
  labelNames: ['queue', 'job', 'outcome'] as const,
  registers,
});

export const jobDuration = new Histogram({
  name: 'chatref_job_duration_seconds',
  help: 'Time a job attempt ran on this worker, by queue and job name',
  labelNames: ['queue', 'job'] as const,
  buckets: LATENCY_BUCKETS,
  registers,
});

export const jobWait = new Histogram({
  name: 'chatref_job_wait_seconds',
  help: 'Time from when a job was due (added, or its delay over) to when a worker started it, by queue',
  labelNames: ['queue'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers,
});

export const slaTimerLateness = new Histogram({
  name: 'chatref_sla_timer_lateness_seconds',
  help: 'SLA timers (warning and breach jobs): time from the due time to when a worker started the job',
  labelNames: ['stage'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers,
});

export const handoffs = new Counter({
  name: 'chatref_handoffs_total',
  help: 'Threads handed to people, by mode (live: staff watching; async: the reply comes later)',
  labelNames: ['mode'] as const,
  registers,
});

export const handoffReasons = new Counter({
  name: 'chatref_handoff_reasons_total',
  help: 'Reasons recorded on handoffs, by reason code (a handoff with two reasons counts for both)',
  labelNames: ['reason'] as const,
  registers,
});

export const slaWarnings = new Counter({
  name: 'chatref_sla_warnings_total',
  help: 'SLA clocks that passed their warning share, by target and whether the timer fired late',
  labelNames: ['target', 'late'] as const,
  registers,
});

export const slaBreaches = new Counter({
  name: 'chatref_sla_breaches_total',
  help: 'SLA clocks that passed their target, by target and whether the timer fired late',
  labelNames: ['target', 'late'] as const,
  registers,
});

export const modelDuration = new Histogram({
  name: 'chatref_model_request_duration_seconds',
  help: 'Calls to the chat model (whole streamed answer) and embedding requests, by kind, model and outcome',
  labelNames: ['kind', 'model', 'outcome'] as const,
  buckets: LATENCY_BUCKETS,
  registers,
});

export const modelTokens = new Counter({
  name: 'chatref_model_tokens_total',
  help: 'Tokens the model server reported using, by kind, model and type (prompt or completion)',
  labelNames: ['kind', 'model', 'type'] as const,
  registers,
});
