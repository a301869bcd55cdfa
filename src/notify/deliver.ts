import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/env.js';
import type { Queues } from '../jobs/queues.js';
import type { Logger } from '../lib/logger.js';
import { sendEmail } from './channels/email.js';
import { ChannelError } from './channels/errors.js';
import type { MessageLinks } from './channels/render.js';
import { sendSlack } from './channels/slack.js';
import { sendTeams } from './channels/teams.js';
import { checkChannelUrl } from './channels/url-safety.js';
import { sendWebhook } from './channels/webhook.js';
import { deliverJobId, deliverJobOptions, tenantChannels } from './notifier.js';
import { DeadLetterModel, DeliveryModel, type DeliveryRecord, type NotifyChannel } from './notify.models.js';
import { createThreadLink, landingLink, landingUrl } from './thread-link.js';

/**
 * How long a worker's hold on a delivery lasts without renewal (a Redis key that expires): the job lock's
 * length (JOB_LOCK_MS), renewed every half of it while the send runs, however long the send takes (HTTP
 * 15 s, SMTP 30 s). A worker killed mid-send (SIGKILL) stops renewing: the key expires about when BullMQ
 * finds the job stalled and hands it to another worker, which then takes the delivery over.
 */
export const sendLeaseMs = (config: Pick<Config, 'JOB_LOCK_MS'>) => config.JOB_LOCK_MS;

// Renews the lease only while it is still ours.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`;

// Deletes the lease only when it is still ours (it may have expired and been taken over).
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/** The Redis key that says a worker is sending a delivery (`SET NX PX`: one holder at a time). */
export const sendingKey = (prefix: string, deliveryId: string) => `${prefix}:notify:sending:${deliveryId}`;

export type DeliverConfig = Pick<Config, 'SMTP_URL' | 'MAIL_FROM' | 'PUBLIC_URL' | 'NODE_ENV'>;

export interface DeliverDeps {
  config: DeliverConfig &
    Pick<Config, 'NOTIFY_ATTEMPTS' | 'NOTIFY_BACKOFF_MS' | 'REDIS_PREFIX' | 'JOB_LOCK_MS'>;
  logger: Logger;
  queues: Queues;
  /** Holds the sending lease (see {@link sendLeaseMs}). */
  redis: Redis;
}

/** The links of a delivery: a single-use sign-in link for an email to one admin, else a landing link. */
async function linksFor(record: DeliveryRecord, publicUrl: string): Promise<MessageLinks> {
  const conversationId = record.content.thread?.conversationId ?? record.conversationId;
  const links: MessageLinks = { row: (id) => landingUrl(publicUrl, id) };
  if (!conversationId || record.kind === 'learner_followup') return links;
  if (record.recipient.type === 'email' && record.recipient.userId)
    links.thread = await createThreadLink({
      tenantId: record.tenantId,
      userId: record.recipient.userId,
      conversationId,
      publicUrl,
    });
  else links.thread = landingLink(publicUrl, conversationId);
  return links;
}

/** Sends one delivery through its channel; failures are {@link ChannelError}s with a safe message. */
export async function sendDelivery(
  record: DeliveryRecord,
  config: DeliverConfig,
  channels?: readonly NotifyChannel[],
): Promise<void> {
  const { recipient, content } = record;
  const links = await linksFor(record, config.PUBLIC_URL);
  if (recipient.type === 'email') {
    await sendEmail(
      { smtpUrl: config.SMTP_URL, from: config.MAIL_FROM, publicUrl: config.PUBLIC_URL },
      recipient.target,
      record._id,
      content,
      links,
    );
    return;
  }
  // Checked again when sending: a host name may have come to point at a private address since it was saved.
  try {
    await checkChannelUrl(recipient.target, 'url', { production: config.NODE_ENV === 'production' });
  } catch (error) {
    throw new ChannelError(
      // Quoted values are left out: the message is stored and shown, and such URLs are credentials.
      `The ${recipient.type} URL is not allowed: ${(error as Error).message.replace(/^url: /, '').replace(/"[^"]*"/g, 'the URL')}`,
    );
  }
  if (recipient.type === 'slack') return sendSlack(recipient.target, content, links);
  if (recipient.type === 'teams') return sendTeams(recipient.target, content, links);
  const channel = (channels ?? (await tenantChannels(record.tenantId))).find(
    (c) => c.id === recipient.channelId,
  );
  return sendWebhook(
    recipient.target,
    channel?.secret,
    content,
    { deliveryId: record._id, tenantId: record.tenantId, createdAt: record.createdAt.toISOString() },
    links,
  );
}

/**
 * The attempt series a job belongs to: `notify-deliver-<id>` is 0, `…-retry<n>` is n; a take-over job
 * (`…-h<holder>`, see {@link runDeliver}) belongs to the series it was made for.
 */
export function attemptIdOf(jobId: string | undefined): number {
  const match = /-retry(\d+)(?:-h[0-9a-f-]+)?$/.exec(jobId ?? '');
  return match ? Number(match[1]) : 0;
}

const safeMessage = (error: unknown) =>
  error instanceof ChannelError
    ? error.message
    : 'Sending failed with an unexpected error (see the worker log).';

/** Why a delivery needs nothing from this job, or undefined when it is to be sent. */
function nothingToDo(record: DeliveryRecord | null, attemptId: number): string | undefined {
  if (!record) return 'missing';
  if (record.status === 'sent') return 'sent';
  if (record.attemptId !== attemptId) return 'superseded';
  if (record.status === 'dead') return 'dead';
  return undefined;
}

/**
 * The `notify.deliver` job. Idempotent: a delivery already `sent` is skipped. Only the worker holding the
 * delivery's sending lease (Redis `SET NX PX`, atomic; FerretDB does not isolate conditional updates)
 * sends it, after reading it under the lease, so of two workers only one sends; the database is read and
 * written by `_id` alone (any other filter scans the collection on FerretDB). A worker killed mid-send
 * leaves the lease until it expires; then a retry takes it over and sends again
 * with the same delivery id (Message-ID, Idempotency-Key), so receivers that keep keys see one message.
 * After the last attempt the delivery becomes a dead letter (listed on the settings page until retried).
 */
export async function runDeliver(job: Job<{ deliveryId: string }>, deps: DeliverDeps): Promise<unknown> {
  const id = job.data.deliveryId;
  const attemptId = attemptIdOf(job.id);
  const key = sendingKey(deps.config.REDIS_PREFIX, id);
  const lease = randomUUID();
  const leaseMs = sendLeaseMs(deps.config);
  if ((await deps.redis.set(key, lease, 'PX', leaseMs, 'NX')) !== 'OK') {
    const lastTry = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const [holder, left] = await Promise.all([deps.redis.get(key), deps.redis.pttl(key)]);
    if (lastTry && holder) {
      // Out of tries while another worker holds it (or held it until it was killed): come back once its
      // lease is over, in a job of its own (one per holder).
      await deps.queues.enqueue(
        'notify',
        'deliver',
        { deliveryId: id },
        {
          ...deliverJobOptions(deps.config, id, attemptId),
          jobId: `${deliverJobId(id, attemptId)}-h${holder}`,
          delay: Math.max(0, left) + 1000,
        },
      );
      return { deferred: true };
    }
    // Another worker holds it: try again later, as a retry (it will usually find it sent).
    throw new Error('the delivery is being sent by another worker');
  }
  const renewal = setInterval(() => {
    deps.redis.eval(RENEW, 1, key, lease, leaseMs).catch(() => undefined);
  }, leaseMs / 2);
  try {
    // Read under the lease: a worker that just finished has marked it sent.
    const record = await DeliveryModel.findById(id).lean<DeliveryRecord>();
    const skip = nothingToDo(record, attemptId);
    if (skip || !record) return { skipped: skip };
    const byId = { _id: id } as never;
    // One read and one write per send (each by `_id`): the lease, not a stored status, says it is being sent.
    try {
      await sendDelivery(record, deps.config);
    } catch (error) {
      const message = safeMessage(error);
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (!(error instanceof ChannelError))
        deps.logger.warn({ err: error, deliveryId: id }, 'notification send failed');
      if (!last) {
        await DeliveryModel.collection.updateOne(byId, {
          $set: { status: 'failed', lastError: message, updatedAt: new Date() },
          $inc: { attempts: 1 },
        });
        throw new ChannelError(message);
      }
      await DeliveryModel.collection.updateOne(byId, {
        $set: { status: 'dead', lastError: message, updatedAt: new Date() },
        $inc: { attempts: 1 },
      });
      await DeadLetterModel.collection.replaceOne(
        byId,
        {
          tenantId: record.tenantId,
          kind: record.kind,
          recipient: record.recipient,
          title: record.content.title,
          error: message,
          attempts: record.attempts + 1,
          diedAt: new Date(),
        },
        { upsert: true },
      );
      deps.logger.warn(
        { deliveryId: id, kind: record.kind, channel: record.recipient.type, error: message },
        'notification dead-lettered',
      );
      return { dead: true, error: message };
    }
    await DeliveryModel.collection.updateOne(byId, {
      $set: { status: 'sent', sentAt: new Date(), updatedAt: new Date() },
      $unset: { lastError: '' },
      $inc: { attempts: 1 },
    });
    return { sent: true };
  } finally {
    clearInterval(renewal);
    await deps.redis.eval(RELEASE, 1, key, lease).catch(() => undefined);
  }
}
