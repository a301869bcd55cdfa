import type { Job } from 'bullmq';
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
 * A delivery marked `sending` longer than this is taken to belong to a worker that died mid-send
 * (SIGKILL): the next attempt takes it over. Longer than any send may take (HTTP 15 s, SMTP 30 s).
 */
export const SEND_LEASE_MS = 90_000;

export type DeliverConfig = Pick<Config, 'SMTP_URL' | 'MAIL_FROM' | 'PUBLIC_URL' | 'NODE_ENV'>;

export interface DeliverDeps {
  config: DeliverConfig & Pick<Config, 'NOTIFY_ATTEMPTS' | 'NOTIFY_BACKOFF_MS'>;
  logger: Logger;
  queues: Queues;
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
 * (`…-t<ms>`, see {@link runDeliver}) belongs to the series it was made for.
 */
export function attemptIdOf(jobId: string | undefined): number {
  const match = /-retry(\d+)(?:-t\d+)?$/.exec(jobId ?? '');
  return match ? Number(match[1]) : 0;
}

const safeMessage = (error: unknown) =>
  error instanceof ChannelError
    ? error.message
    : 'Sending failed with an unexpected error (see the worker log).';

/**
 * The `notify.deliver` job. Idempotent: a delivery already `sent` is skipped; `pending`/`failed` →
 * `sending` is one conditional update, so of two workers only one sends. A worker killed mid-send leaves
 * `sending`; once the lease is over a retry takes it over and sends again with the same delivery id
 * (Message-ID, Idempotency-Key), so receivers that keep keys see one message. After the last attempt the
 * delivery becomes a dead letter (listed on the settings page until retried).
 */
export async function runDeliver(job: Job<{ deliveryId: string }>, deps: DeliverDeps): Promise<unknown> {
  const id = job.data.deliveryId;
  const attemptId = attemptIdOf(job.id);
  const record = await DeliveryModel.findById(id).lean<DeliveryRecord>();
  if (!record) return { skipped: 'missing' };
  if (record.status === 'sent') return { skipped: 'sent' };
  if (record.attemptId !== attemptId) return { skipped: 'superseded' };
  if (record.status === 'dead') return { skipped: 'dead' };
  const now = new Date();
  const claim = await DeliveryModel.collection.updateOne(
    {
      _id: id,
      attemptId,
      $or: [
        { status: { $in: ['pending', 'failed'] } },
        { status: 'sending', sendingAt: { $lt: new Date(now.getTime() - SEND_LEASE_MS) } },
      ],
    } as never,
    { $set: { status: 'sending', sendingAt: now, updatedAt: now }, $inc: { attempts: 1 } },
  );
  if (claim.modifiedCount !== 1) {
    const current = await DeliveryModel.findById(id, { status: 1, sendingAt: 1 }).lean();
    if (!current || current.status === 'sent' || current.status === 'dead')
      return { skipped: current?.status };
    const lastTry = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (lastTry && current.status === 'sending' && current.sendingAt) {
      // Out of tries while another worker holds it (or held it until it was killed): come back once its
      // lease is over, in a job of its own (one per holder: the id names when the holder started).
      const heldSince = new Date(current.sendingAt).getTime();
      await deps.queues.enqueue(
        'notify',
        'deliver',
        { deliveryId: id },
        {
          ...deliverJobOptions(deps.config, id, attemptId),
          jobId: `${deliverJobId(id, attemptId)}-t${heldSince}`,
          delay: Math.max(0, heldSince + SEND_LEASE_MS - Date.now()) + 1000,
        },
      );
      return { deferred: true };
    }
    // Another worker holds it (or held it until it died): try again later, as a retry.
    throw new Error('the delivery is being sent by another worker');
  }
  const mine = { _id: id, status: 'sending', sendingAt: now } as never;
  try {
    await sendDelivery(record, deps.config);
  } catch (error) {
    const message = safeMessage(error);
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (!(error instanceof ChannelError))
      deps.logger.warn({ err: error, deliveryId: id }, 'notification send failed');
    if (!last) {
      await DeliveryModel.collection.updateOne(mine, {
        $set: { status: 'failed', lastError: message, updatedAt: new Date() },
      });
      throw new ChannelError(message);
    }
    await DeliveryModel.collection.updateOne(mine, {
      $set: { status: 'dead', lastError: message, updatedAt: new Date() },
    });
    await DeadLetterModel.collection.replaceOne(
      { _id: id } as never,
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
  await DeliveryModel.collection.updateOne(mine, {
    $set: { status: 'sent', sentAt: new Date(), updatedAt: new Date() },
    $unset: { lastError: '' },
  });
  return { sent: true };
}
