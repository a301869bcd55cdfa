import type { JobsOptions } from 'bullmq';
import type { Collection } from 'mongodb';
import type { Config } from '../config/env.js';
import { ConversationModel } from '../conversations/conversation.model.js';
import { CourseModel } from '../courses/course.model.js';
import { findInTenant } from '../db/by-id.js';
import type { Queues } from '../jobs/queues.js';
import { InsertBatcher } from '../lib/insert-batcher.js';
import type { Logger } from '../lib/logger.js';
import { loadStoredSlaSettings } from '../storage/sla/stored-sla-settings.js';
import { buildContent, type ThreadFacts } from './content.js';
import {
  DeliveryModel,
  type DeliveryRecipient,
  type DeliveryRecord,
  type NotifyChannel,
  NotifySettingsModel,
} from './notify.models.js';
import type { NotificationRequest } from './notify.types.js';
import { channelRecipients, dedupeRecipients, deliveryId, resolveTargets } from './recipients.js';

/** What requesting notifications needs: the queues (deliveries are jobs) and the retry settings. */
export interface NotifyDeps {
  queues: Queues;
  config: Pick<Config, 'NOTIFY_ATTEMPTS' | 'NOTIFY_BACKOFF_MS'>;
  logger?: Logger;
}

/** What {@link requestNotifications} did: the delivery ids (new and already known). */
export interface NotificationOutcome {
  deliveries: string[];
  /** Deliveries this call created (a repeated request creates none). */
  created: number;
}

/** Deliveries of requests made at once (route jobs run side by side) go to the database together. */
const deliveryInserts = new InsertBatcher(() => DeliveryModel.collection as unknown as Collection);

/** The tenant's channels (one `_id` read). */
export async function tenantChannels(tenantId: string): Promise<NotifyChannel[]> {
  const settings = await NotifySettingsModel.findById(tenantId).lean();
  return settings?.channels ?? [];
}

/** Learner, course, priority and handoff card of a thread, for the message text (tenant-scoped). */
export async function threadFacts(
  tenantId: string,
  conversationId: string,
): Promise<ThreadFacts | undefined> {
  const conversation = await findInTenant(ConversationModel, conversationId, tenantId, {
    user: 1,
    courseId: 1,
    priority: 1,
    category: 1,
    handoff: 1,
  });
  if (!conversation) return undefined;
  let course = conversation.handoff?.course?.title ?? conversation.handoff?.course?.label;
  if (!course && conversation.courseId) {
    const stored = await findInTenant(CourseModel, conversation.courseId, tenantId, { title: 1, label: 1 });
    course = stored?.title ?? stored?.label;
  }
  return {
    conversationId,
    learner: conversation.handoff?.user.name ?? conversation.user.name,
    course,
    priority: conversation.priority,
    category: conversation.category,
    handoff: conversation.handoff
      ? {
          reasons: conversation.handoff.reasons ?? [],
          summary: conversation.handoff.summary ?? [],
          question: conversation.handoff.question,
        }
      : undefined,
  };
}

/** `notify-deliver-<id>` for a delivery's first series of tries, `…-retry<n>` after the n-th Retry. */
export const deliverJobId = (id: string, attemptId = 0): string =>
  attemptId ? `notify-deliver-${id}-retry${attemptId}` : `notify-deliver-${id}`;

/** BullMQ options of a delivery job: its deterministic id, the retries and their backoff. */
export function deliverJobOptions(
  config: NotifyDeps['config'],
  id: string,
  attemptId = 0,
): JobsOptions & { jobId: string } {
  return {
    jobId: deliverJobId(id, attemptId),
    attempts: config.NOTIFY_ATTEMPTS,
    backoff: { type: 'exponential', delay: config.NOTIFY_BACKOFF_MS },
  };
}

/**
 * Tells people something: resolves the recipients (explicit `recipients`, else the tenant's channels for
 * the kind; `user` targets become that admin's email), stores one delivery per recipient with an id
 * derived from `request.key` and the recipient, and enqueues a `deliver` job for each. Asking twice is a
 * no-op: the deliveries exist (duplicate `_id`) and their jobs have the same ids.
 */
export async function requestNotifications(
  deps: NotifyDeps,
  request: NotificationRequest,
): Promise<NotificationOutcome> {
  const channels = await tenantChannels(request.tenantId);
  const recipients = dedupeRecipients(
    request.recipients
      ? await resolveTargets(request.tenantId, request.recipients, channels)
      : channelRecipients(channels, request.kind),
  );
  if (recipients.length === 0) return { deliveries: [], created: 0 };
  // Times are written in the zone of the tenant's calendar (Hours and SLAs), as the inbox shows them.
  const [facts, timeZone] = await Promise.all([
    request.conversationId ? threadFacts(request.tenantId, request.conversationId) : undefined,
    loadStoredSlaSettings(request.tenantId)
      .then(({ settings }) => settings.timeZone)
      .catch(() => undefined),
  ]);
  const content = buildContent(request, facts, timeZone);
  const now = new Date();
  const records: DeliveryRecord[] = recipients.map((recipient: DeliveryRecipient) => ({
    _id: deliveryId(request.tenantId, request.key, recipient),
    tenantId: request.tenantId,
    kind: request.kind,
    key: request.key,
    conversationId: request.conversationId,
    recipient,
    content,
    status: 'pending',
    attempts: 0,
    attemptId: 0,
    createdAt: now,
    updatedAt: now,
  }));
  // Duplicates are deliveries an earlier request stored: that is the idempotency working.
  const stored = await Promise.allSettled(deliveryInserts.insertAll(records));
  const failed = stored.find(
    (result): result is PromiseRejectedResult =>
      result.status === 'rejected' && (result.reason as { code?: number })?.code !== 11000,
  );
  if (failed) throw failed.reason;
  const created = stored.filter((result) => result.status === 'fulfilled').length;
  // Enqueued whether new or not: a request retried after a failed enqueue still gets its jobs (same ids).
  await deps.queues.enqueueBulk(
    'notify',
    records.map((record) => ({
      name: 'deliver' as const,
      data: { deliveryId: record._id },
      opts: deliverJobOptions(deps.config, record._id),
    })),
  );
  deps.logger?.debug(
    { kind: request.kind, key: request.key, deliveries: records.length, created },
    'notifications requested',
  );
  return { deliveries: records.map((record) => record._id), created };
}
