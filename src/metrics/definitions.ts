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
/** Seconds a timer or job waited past its due time: from on time to minutes late. */
const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

type Row = { help: string; labelNames?: readonly string[]; buckets?: readonly number[] };
type Labels<R> = R extends { labelNames: readonly (infer L extends string)[] } ? L : string;
/** The kind follows from the row, as Prometheus names them: buckets make a histogram, `_total` a counter. */
type Metric<Name, R> = R extends { buckets: readonly number[] }
  ? Histogram<Labels<R>>
  : Name extends `${string}_total`
    ? Counter<Labels<R>>
    : Gauge<Labels<R>>;

/** Registers every row of `table` under its key, the metric's name (the one dashboards and alerts query). */
function build<T extends Record<string, Row>>(table: T): { [Name in keyof T]: Metric<Name, T[Name]> } {
  const metric = (name: string, { help, labelNames = [], buckets }: Row) => {
    const config = { name, help, labelNames, registers };
    if (buckets) return new Histogram({ ...config, buckets: [...buckets] });
    return name.endsWith('_total') ? new Counter(config) : new Gauge(config);
  };
  return Object.fromEntries(Object.entries(table).map(([name, row]) => [name, metric(name, row)])) as {
    [Name in keyof T]: Metric<Name, T[Name]>;
  };
}

export const metrics = build({
  chatref_http_request_duration_seconds: {
    help: 'HTTP requests by express route pattern (never the raw URL), method and status class; live streams are counted in chatref_live_connections instead',
    labelNames: ['method', 'route', 'status'],
    buckets: LATENCY_BUCKETS,
  },
  chatref_live_connections: {
    help: 'Server-Sent Events streams open on this process, by kind (chat: learners, inbox: staff)',
    labelNames: ['kind'],
  },
  chatref_live_connections_opened_total: {
    help: 'Server-Sent Events streams opened on this process, by kind (reconnect storms show here)',
    labelNames: ['kind'],
  },
  chatref_queue_scrape_errors_total: {
    help: 'Scrapes whose queue depths could not be read (Redis unreachable)',
  },
  chatref_jobs_finished_total: {
    help: 'Job attempts this worker finished, by queue, job name and outcome (completed or failed)',
    labelNames: ['queue', 'job', 'outcome'],
  },
  chatref_job_duration_seconds: {
    help: 'Time a job attempt ran on this worker, by queue and job name',
    labelNames: ['queue', 'job'],
    buckets: LATENCY_BUCKETS,
  },
  chatref_job_wait_seconds: {
    help: 'Time from when a job was due (added, or its delay over) to when a worker started it, by queue',
    labelNames: ['queue'],
    buckets: WAIT_BUCKETS,
  },
  chatref_sla_timer_lateness_seconds: {
    help: 'SLA timers (warning and breach jobs): time from the due time to when a worker started the job',
    labelNames: ['stage'],
    buckets: WAIT_BUCKETS,
  },
  chatref_handoffs_total: {
    help: 'Threads handed to people, by mode (live: staff watching; async: the reply comes later)',
    labelNames: ['mode'],
  },
  chatref_handoff_reasons_total: {
    help: 'Reasons recorded on handoffs, by reason code (a handoff with two reasons counts for both)',
    labelNames: ['reason'],
  },
  chatref_sla_warnings_total: {
    help: 'SLA clocks that passed their warning share, by target and whether the timer fired late',
    labelNames: ['target', 'late'],
  },
  chatref_sla_breaches_total: {
    help: 'SLA clocks that passed their target, by target and whether the timer fired late',
    labelNames: ['target', 'late'],
  },
  chatref_model_request_duration_seconds: {
    help: 'Calls to the chat model (whole streamed answer) and embedding requests, by kind, model and outcome',
    labelNames: ['kind', 'model', 'outcome'],
    buckets: LATENCY_BUCKETS,
  },
  chatref_model_tokens_total: {
    help: 'Tokens the model server reported using, by kind, model and type (prompt or completion)',
    labelNames: ['kind', 'model', 'type'],
  },
} as const);

/** Queue depths are read from Redis when scraped, so this gauge has behaviour and stays outside the table. */
export const queueJobs = new Gauge({
  name: 'chatref_queue_jobs',
  help: 'Jobs per BullMQ queue and state, read from Redis at scrape time (the same figure on every replica)',
  labelNames: ['queue', 'state'] as const,
  registers,
  async collect() {
    const depths = await readQueueDepths();
    // Redis down: no depth samples this scrape (a stale figure would look healthy).
    this.reset();
    if (depths === 'unavailable') metrics.chatref_queue_scrape_errors_total.inc();
    else for (const { queue, state, jobs } of depths) this.labels(queue, state).set(jobs);
  },
});
