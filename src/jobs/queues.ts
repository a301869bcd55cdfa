import { type Job, type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EventName } from '../events/catalog.js';
import { AppError } from '../lib/errors.js';
import type { SlaStage, SlaTargetName } from '../sla/sla.types.js';
import type { TimerSets } from '../sla/timer-sets.js';
import { RedisTimerSets } from '../storage/sla/redis-timer-sets.js';

/**
 * Every queue, its job names and their payloads, in one place.
 * Payloads carry ids and small values, never documents or personal data.
 */
export interface JobPayloads {
  maintenance: {
    /** Deletes records past their retention period (see src/maintenance/retention.ts). */
    purge: { now?: string };
    /** Proves a worker is consuming: records that it ran, after holding for `holdMs`. */
    selfcheck: { checkId: string; holdMs?: number };
  };
  knowledge: {
    /** Parses, chunks, embeds and stores one upload of a knowledge source, then makes it live. */
    ingest: {
      tenantId: string;
      sourceId: string;
      version: number;
      /** Ids of the stored upload's parts, in order (read by id: FerretDB answers other filters by scanning). */
      parts: string[];
    };
    /**
     * Fills the vectors a live source version's chunks lack (the embedding server failed, was too slow, or
     * the version was stored to be embedded later) and loads them into every process's index. Job id
     * `kb-embed-<tenant>-<source>-v<version>`; retried with exponential backoff while chunks still lack vectors.
     */
    embed: { tenantId: string; sourceId: string; version: number };
  };
  sla: {
    /**
     * Brings a thread's SLA clocks in line with an event that may change them (handoff, staff reply,
     * learner message, priority change, resolve…). Job id `sla-react-<tenant>-<seq>`.
     */
    react: {
      tenantId: string;
      conversationId: string;
      event: EventName;
      seq: number;
      at: string;
      /** `message.posted`: whose message it was (a learner's, or a staff reply the learner sees). */
      author?: 'learner' | 'staff';
      /** `conversation.handed_off`: the reply-by promised to the learner and the keyword rules that matched. */
      replyBy?: string;
      keywordRuleIds?: string[];
    };
    /**
     * A clock's warning or breach time came. `cycle` counts restarts of the clock (next response restarts
     * on every learner message after a staff reply), so each run has its own job id:
     * `sla-<conversation>-<target>-<cycle>-<stage>`. `dueAt` is the stage's time when scheduled: a stale
     * job (the clock moved) finds its clock changed and does nothing.
     */
    fire: {
      tenantId: string;
      conversationId: string;
      target: SlaTargetName;
      cycle: number;
      stage: SlaStage;
      dueAt: string;
    };
    /** The next step of the escalation chain of a breached clock. Job id `sla-<conversation>-<target>-<cycle>-esc-<step>`. */
    escalate: {
      tenantId: string;
      conversationId: string;
      target: SlaTargetName;
      cycle: number;
      step: number;
    };
    /**
     * A tenant's calendar or policies changed: every running clock of the tenant gets its due times
     * recomputed and its jobs moved. Job id `sla-retime-<tenant>-<settings version>`.
     */
    retime: { tenantId: string; version: number };
    /** Finds clocks whose jobs went missing (Redis lost them, a listener could not enqueue) and repairs them. */
    sweep: Record<string, never>;
    /** Sends a tenant's review digest when its rhythm says one is due and the calendar is open. */
    digest: { tenantId?: string };
  };
  notify: {
    /** Turns one domain event into notifications for the people and channels that asked for it. Job id `notify-route-<tenant>-<seq>`. */
    route: { tenantId: string; seq: number; event: EventName };
    /** Sends one stored delivery (email, Slack, Teams, webhook). Job id `notify-deliver-<deliveryId>`. */
    deliver: { deliveryId: string };
    /** Emails a learner the staff replies they have not seen (after a grace period, grouped). */
    followUp: { tenantId: string; conversationId: string };
  };
  review: {
    /**
     * Stores the labelled misses a handoff or a thumbs-down makes in one thread (see
     * src/knowledge/labelled-miss.record.ts). Job id `miss-<tenant>-<seq>` (the triggering event).
     */
    recordMiss: {
      tenantId: string;
      conversationId: string;
      trigger: 'handoff' | 'rating';
      /** `rating`: the rated answer. */
      messageId?: string;
    };
  };
  topics: {
    /**
     * Gives the question behind a handoff, a thumbs-down or a low-confidence answer a topic (see
     * src/insights/topic-assign.ts). Job id `topic-<tenant>-<seq>` (the triggering event).
     */
    assignTopic: {
      tenantId: string;
      conversationId: string;
      trigger: 'handoff' | 'low_confidence' | 'thumbs_down';
      /** The bot answer rated down or answered with low confidence. */
      messageId?: string;
      /** `handoff`: the handoff's reason codes. */
      handoffReasons?: string[];
      /** ISO time of the event. */
      at: string;
    };
    /** Re-clusters a tenant's recent questions into topics. Job id `topics-recluster-<tenant>-<bucket>`. */
    recluster: { tenantId: string };
    /** Finds tenants with questions waiting for a topic and asks for their re-clustering. */
    sweep: Record<string, never>;
  };
  insights: {
    /**
     * Folds a tenant's new events into its insight days (see src/insights/insights-projector.ts). Job id
     * `insights-<tenant>-<10 s window>`: one job per tenant and window, run after the window closes.
     */
    project: { tenantId: string };
    /** Asks every tenant's projector to run (catches windows whose job could not be enqueued). */
    sweep: Record<string, never>;
  };
  gaps: {
    /**
     * Counts a stored bot answer that cites Q&A entries for the entries made from documentation gaps (see
     * src/insights/gap.jobs.ts). Job id `gap-hit-<tenant>-<seq>` (the `message.posted` event).
     */
    countAnswer: {
      tenantId: string;
      conversationId: string;
      messageId: string;
      courseId?: string;
      /** The cited `qa/…` paths. */
      paths: string[];
      /** ISO time of the answer. */
      at: string;
    };
    /**
     * Keeps the staff reply that resolved a thread (`resolved`), or marks a kept one open (a reopening), for
     * the gaps read by `_id`. Job id `gap-reply-<tenant>-<seq>` (the event).
     */
    recordReply: { tenantId: string; conversationId: string; seq: number; resolved: boolean };
  };
  privacy: {
    /**
     * Deletes each tenant's finished threads older than its retention days (src/maintenance/
     * conversation-retention.ts). Scheduler `privacy-retention`.
     */
    retention: { now?: string };
    /** Erases one person's data in a tenant (src/privacy). Job id `privacy-erase-<tenant>-<user>`. */
    eraseUser: { tenantId: string; userId: string };
  };
}

export type QueueName = keyof JobPayloads;
export type JobName<Q extends QueueName> = keyof JobPayloads[Q] & string;
export type JobPayload<Q extends QueueName, N extends JobName<Q>> = JobPayloads[Q][N];

export const QUEUE_NAMES: readonly QueueName[] = [
  'maintenance',
  'knowledge',
  'sla',
  'notify',
  'review',
  'topics',
  'insights',
  'gaps',
  'privacy',
];

/** Defaults for every job: retries with backoff, and finished jobs removed so Redis does not grow. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
};

/** The producer side: one BullMQ Queue per name, sharing a fail-fast connection. */
export class Queues {
  private readonly queues = new Map<QueueName, Queue>();
  private timerSets?: TimerSets;

  constructor(
    private readonly connection: Redis,
    readonly prefix: string,
  ) {}

  /** The producer connection the queues share (for small reads beside an enqueue, e.g. the SLA listener's). */
  get redis(): Redis {
    return this.connection;
  }

  /**
   * Which threads' SLA clocks run (Redis, on the producer connection): the SLA listener reads it beside
   * its enqueue to skip learner messages to threads without clocks.
   */
  get slaTimers(): TimerSets {
    this.timerSets ??= new RedisTimerSets(this.connection, this.prefix);
    return this.timerSets;
  }

  /** The BullMQ queue for a name (created on first use). */
  get(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: this.connection,
        prefix: this.prefix,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      });
      queue.on('error', () => undefined); // connection errors are logged once by the connection itself
      this.queues.set(name, queue);
    }
    return queue;
  }

  /**
   * Adds a job. Redis being down surfaces as a 503 AppError at once instead of buffering in memory.
   * Pass `jobId` to make scheduling idempotent (no ':' in ids).
   */
  async enqueue<Q extends QueueName, N extends JobName<Q>>(
    queue: Q,
    name: N,
    data: JobPayload<Q, N>,
    options: JobsOptions = {},
  ): Promise<Job> {
    try {
      return await this.get(queue).add(name, data, options);
    } catch (error) {
      throw new AppError('unavailable', 'The job queue is unavailable right now; please try again shortly.', {
        cause: (error as Error).message,
      });
    }
  }

  /** Adds several jobs of one queue in one round trip; same failure as {@link enqueue}. */
  async enqueueBulk<Q extends QueueName, N extends JobName<Q>>(
    queue: Q,
    jobs: { name: N; data: JobPayload<Q, N>; opts?: JobsOptions }[],
  ): Promise<Job[]> {
    if (jobs.length === 0) return [];
    try {
      return await this.get(queue).addBulk(jobs);
    } catch (error) {
      throw new AppError('unavailable', 'The job queue is unavailable right now; please try again shortly.', {
        cause: (error as Error).message,
      });
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.queues.clear();
  }
}
