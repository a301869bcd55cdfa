import type { Redis } from 'ioredis';
import type { AnyDomainEvent } from '../events/catalog.js';
import { HandoffConfigService } from '../handoff/handoff-config.service.js';
import type { JobServices } from '../jobs/job-services.js';
import type { JobListener } from '../jobs/listeners.js';
import type { JobPayload, Queues } from '../jobs/queues.js';
import type { QueueHandlers } from '../jobs/workers.js';
import { createEmbedder } from '../knowledge/embeddings.service.js';
import { withJobLock } from '../redis/job-lock.js';
import { assignTopic, type TopicDeps } from './topic-assign.js';
import { createTopicLabeller } from './topic-labeller.js';
import { reclusterTenant, tenantsWithWaitingQuestions } from './topic-recluster.js';
import { TOPIC_DEFAULTS, type TopicSettings } from './topic-settings.js';

/** The assignment job of one triggering event: `topic-<tenant>-<seq>` (no ':' in BullMQ ids). */
export const topicJobId = (tenantId: string, seq: number) => `topic-${tenantId}-${seq}`;

/** A tenant's re-clustering in one time bucket: requests within a bucket make one run. */
export const reclusterJobId = (tenantId: string, bucket: number) => `topics-recluster-${tenantId}-${bucket}`;

// Listeners have no services: the threshold is read here, cached a minute per process (the domain caches
// it 5 s), so a changed threshold reaches this filter within a minute; the job checks the stored answer again.
const handoffConfig = new HandoffConfigService({ cacheMs: 60_000 });

/**
 * The assignment job an event causes: every handoff, a thumbs-down, or a bot answer that looks low
 * confidence (below the tenant's threshold, or citing nothing: the job checks what was stored). Null for
 * everything else.
 */
export async function topicJobOf(
  event: AnyDomainEvent,
  threshold: (tenantId: string) => Promise<number> = async (tenantId) =>
    (await handoffConfig.getSettings(tenantId)).lowConfidence.confidenceThreshold,
): Promise<JobPayload<'topics', 'assignTopic'> | null> {
  if (!event.conversationId) return null;
  const base = { tenantId: event.tenantId, conversationId: event.conversationId, at: event.at };
  if (event.name === 'conversation.handed_off')
    return {
      ...base,
      trigger: 'handoff',
      handoffReasons: [...new Set(event.payload.reasons.map((r) => r.code))],
    };
  if (event.name === 'answer.rated' && event.payload.value === 'down')
    return { ...base, trigger: 'thumbs_down', messageId: event.payload.messageId };
  if (event.name === 'message.posted') {
    const m = event.payload.message;
    if (m.author !== 'bot' || m.kind !== 'message' || !m.clientId.startsWith('bot:')) return null;
    if (typeof m.confidence !== 'number') return null;
    const low = m.citations.length === 0 || m.confidence < (await threshold(event.tenantId));
    return low ? { ...base, trigger: 'low_confidence', messageId: m.id } : null;
  }
  return null;
}

/** Enqueues the topic assignment of a handoff, thumbs-down or low-confidence answer. */
export const topicListener: JobListener = async (event, queues) => {
  const data = await topicJobOf(event);
  if (!data) return;
  await queues.enqueue('topics', 'assignTopic', data, { jobId: topicJobId(event.tenantId, event.seq) });
};

/** Asks for a tenant's re-clustering `delayMs` from now; requests in the same window share one job. */
export async function requestRecluster(
  queues: Queues,
  tenantId: string,
  delayMs: number,
  now = Date.now(),
): Promise<void> {
  const bucket = Math.floor(now / Math.max(1, delayMs));
  await queues.enqueue(
    'topics',
    'recluster',
    { tenantId },
    { jobId: reclusterJobId(tenantId, bucket), delay: delayMs },
  );
}

/** How far back the sweep looks for questions left waiting (a run for them was asked when they came). */
const SWEEP_LOOKBACK_MS = 24 * 3600_000;

/** Topic work's dependencies in a worker: the model and embedder when configured, the tenant's threshold. */
export function topicDeps(services: JobServices, settings: TopicSettings = TOPIC_DEFAULTS): TopicDeps {
  return {
    settings,
    labeller: createTopicLabeller(services.config, { timeoutMs: settings.labelTimeoutMs }),
    embedder: settings.useEmbeddings ? createEmbedder(services.config) : null,
    // The threshold the conversation domain declines below (its cached handoff settings).
    lowConfidenceThreshold: (tenantId) => services.conversations.service.answerThreshold(tenantId),
    recentMessages: (tenantId, conversationId) =>
      services.conversations.service.history({
        tenantId,
        conversationId,
        actor: { userId: 'topics', role: 'admin' },
        forLearner: true,
        limit: 50,
      }),
    requestRecluster: (tenantId) => requestRecluster(services.queues, tenantId, settings.reclusterDelayMs),
    exclusive: topicWriteLock(services.redis, services.config.REDIS_PREFIX),
    announce: async (a) => {
      await services.conversations.bus.emit({
        tenantId: a.tenantId,
        name: 'topic.assigned',
        conversationId: a.conversationId,
        ...(a.courseId ? { courseId: a.courseId } : {}),
        actor: { role: 'system' },
        payload: { assignmentId: a.assignmentId, topicId: a.topicId, question: a.question },
      });
    },
    logger: services.logger,
  };
}

/** How long a re-clustering run may hold its tenant (a run takes well under a second; a crash frees it). */
const RUN_LOCK_MS = 120_000;
/** How long one write of an assignment job may hold its tenant (a few `_id` writes; a crash frees it). */
const WRITE_LOCK_MS = 30_000;
/** How long a run waits for the assignment writes before it. */
const RUN_WAIT_MS = 5_000;
/** How long an assignment write waits for the run or writes before it (a run takes well under a second). */
const WRITE_WAIT_MS = 20_000;

/** The one lock of a tenant's topic writes: re-clustering runs and the assignment jobs' writes. */
const topicsLockKey = (prefix: string, tenantId: string) => `${prefix}:lock:topics:${tenantId}`;

/**
 * Runs `work` unless another run or an assignment write of the tenant still holds the lock after a short
 * wait: then it fails, and BullMQ retries it after a backoff (by then it reads what the other wrote). Two
 * interleaved runs would each write a plan made from what it read before the other's writes.
 */
export function oneRunPerTenant<T>(
  services: Pick<JobServices, 'redis' | 'config'>,
  tenantId: string,
  work: () => Promise<T>,
): Promise<T> {
  return withJobLock(
    services.redis,
    topicsLockKey(services.config.REDIS_PREFIX, tenantId),
    {
      holdMs: RUN_LOCK_MS,
      waitMs: RUN_WAIT_MS,
      busy: 'another re-clustering run holds this tenant; retrying later',
    },
    work,
  );
}

/** Runs one write of an assignment job while no other topic write of the tenant runs (see `TopicDeps`). */
export function topicWriteLock(redis: Redis, prefix: string): TopicDeps['exclusive'] {
  return (tenantId, work) =>
    withJobLock(
      redis,
      topicsLockKey(prefix, tenantId),
      {
        holdMs: WRITE_LOCK_MS,
        waitMs: WRITE_WAIT_MS,
        busy: "another topic job holds this tenant's topics; retrying later",
      },
      work,
    );
}

/** The topics queue's handlers. */
export function topicJobs(
  services: JobServices,
  settings: TopicSettings = TOPIC_DEFAULTS,
): QueueHandlers<'topics'> {
  const deps = topicDeps(services, settings);
  return {
    assignTopic: async (job) => {
      const outcome = await assignTopic(job.data, deps);
      const { tenantId, conversationId, trigger } = job.data;
      services.logger.debug({ tenantId, conversationId, trigger, ...outcome }, 'topic assignment');
      return outcome;
    },
    recluster: async (job) =>
      oneRunPerTenant(services, job.data.tenantId, () => reclusterTenant(job.data.tenantId, deps)),
    // The safety net for lost run requests: tenants with questions that came in the last day and wait.
    sweep: async () => {
      const tenants = await tenantsWithWaitingQuestions(new Date(Date.now() - SWEEP_LOOKBACK_MS));
      const bucket = Math.floor(Date.now() / settings.sweepEveryMs);
      for (const tenantId of tenants)
        await services.queues.enqueue(
          'topics',
          'recluster',
          { tenantId },
          { jobId: `topics-sweep-${tenantId}-${bucket}` },
        );
      return { tenants: tenants.length };
    },
  };
}
