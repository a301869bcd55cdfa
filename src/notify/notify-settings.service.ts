import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../config/env.js';
import { findInTenant } from '../db/by-id.js';
import type { Queues } from '../jobs/queues.js';
import { isEmailAddress } from '../lib/email-address.js';
import { AppError } from '../lib/errors.js';
import { ChannelError } from './channels/errors.js';
import { checkChannelUrl, type HostResolver } from './channels/url-safety.js';
import { type DeliverConfig, sendDelivery } from './deliver.js';
import { deliverJobOptions, tenantChannels } from './notifier.js';
import {
  DeadLetterModel,
  type DeadLetterRecord,
  DeliveryModel,
  type DeliveryRecord,
  type NotifyChannel,
  NotifySettingsModel,
} from './notify.models.js';
import type { NotificationKind } from './notify.types.js';
import { channelAsRecipients, splitAddresses } from './recipients.js';

/**
 * The kinds a channel can subscribe to. Personal notices (`assigned`, `learner_replied`) go to that
 * admin's email and learner follow-ups to the learner, never to channels.
 */
export const CHANNEL_KINDS: readonly NotificationKind[] = [
  'handoff_new',
  'handoff_urgent',
  'sla_warning',
  'sla_breach',
  'sla_escalation',
  'digest',
  'lead_new',
];

/** One channel as a lead saves it; `target` may be left out for a saved channel to keep its URL. */
export const channelInputSchema = z
  .object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/)
      .optional(),
    type: z.enum(['email', 'slack', 'teams', 'webhook']),
    name: z.string().trim().min(1).max(100),
    target: z.string().trim().min(1).max(2000).optional(),
    kinds: z.array(z.enum(CHANNEL_KINDS as [NotificationKind, ...NotificationKind[]])).max(20),
    enabled: z.boolean().default(true),
  })
  .strict();

export const channelsInputSchema = z.object({ channels: z.array(channelInputSchema).max(20) }).strict();
export type ChannelsInput = z.output<typeof channelsInputSchema>;

export interface NotifySettingsDeps {
  /** Needed to retry dead letters (absent in processes that cannot enqueue). */
  queues?: Queues;
  config: Pick<Config, 'NOTIFY_ATTEMPTS' | 'NOTIFY_BACKOFF_MS'> & DeliverConfig;
  /** Tests resolve host names their own way. */
  resolve?: HostResolver;
}

/** A webhook signing secret: shown once, when the channel is created. */
const newSecret = () => `whsec_${randomBytes(24).toString('base64url')}`;

/**
 * A tenant's notification channels, test sends and dead letters (leads only; the route checks that).
 * Saving replaces the whole list after every entry is checked, so a bad entry leaves nothing half-saved.
 */
export class NotifySettingsService {
  constructor(private readonly deps: NotifySettingsDeps) {}

  channels(tenantId: string): Promise<NotifyChannel[]> {
    return tenantChannels(tenantId);
  }

  /** Checks and saves the channel list; returns it with the secrets of webhooks created now (shown once). */
  async saveChannels(
    tenantId: string,
    input: ChannelsInput,
  ): Promise<{ channels: NotifyChannel[]; secrets: Record<string, string> }> {
    const current = await tenantChannels(tenantId);
    const production = this.deps.config.NODE_ENV === 'production';
    const secrets: Record<string, string> = {};
    const channels: NotifyChannel[] = [];
    for (const [index, entry] of input.channels.entries()) {
      const field = `channels.${index}.target`;
      const saved = entry.id ? current.find((channel) => channel.id === entry.id) : undefined;
      if (entry.id && !saved) throw new AppError('bad_request', `channels.${index}.id: no such channel.`);
      const keep = saved && saved.type === entry.type && entry.target === undefined;
      let target: string;
      if (keep) target = saved.target;
      else if (!entry.target) throw new AppError('bad_request', `${field}: required for a new channel.`);
      else if (entry.type === 'email') {
        const addresses = splitAddresses(entry.target);
        const bad = addresses.find((address) => !isEmailAddress(address));
        if (bad || addresses.length === 0)
          throw new AppError(
            'bad_request',
            `${field}: "${(bad ?? entry.target).slice(0, 100)}" is not an email address.`,
          );
        if (addresses.length > 50) throw new AppError('bad_request', `${field}: at most 50 addresses.`);
        target = addresses.join(', ');
      } else target = await checkChannelUrl(entry.target, field, { production, resolve: this.deps.resolve });
      const id = saved?.id ?? randomUUID();
      let secret = saved?.type === 'webhook' ? saved.secret : undefined;
      if (entry.type === 'webhook' && !secret) {
        secret = newSecret();
        secrets[id] = secret;
      }
      channels.push({
        id,
        type: entry.type,
        name: entry.name,
        target,
        ...(entry.type === 'webhook' ? { secret } : {}),
        kinds: [...new Set(entry.kinds)],
        enabled: entry.enabled,
        createdAt: saved?.createdAt ?? new Date(),
      });
    }
    await NotifySettingsModel.collection.updateOne(
      { _id: tenantId } as never,
      { $set: { channels, updatedAt: new Date() }, $inc: { version: 1 } },
      { upsert: true },
    );
    return { channels, secrets };
  }

  /** Sends a test message through one channel now (not queued) and says whether it arrived. */
  async sendTest(
    tenantId: string,
    channelId: string,
  ): Promise<{ ok: boolean; error?: string; sent: number }> {
    const channel = (await tenantChannels(tenantId)).find((c) => c.id === channelId);
    if (!channel) throw new AppError('not_found', 'That channel was not found.');
    const now = new Date();
    let sent = 0;
    for (const recipient of channelAsRecipients(channel)) {
      const record: DeliveryRecord = {
        _id: `test-${randomUUID()}`,
        tenantId,
        kind: 'digest',
        key: 'test',
        recipient,
        content: {
          kind: 'test',
          title: 'Chatref test notification',
          lines: [`This is a test of the channel "${channel.name}". Notifications will look like this.`],
        },
        status: 'sending',
        attempts: 1,
        attemptId: 0,
        createdAt: now,
        updatedAt: now,
      };
      try {
        await sendDelivery(record, this.deps.config, [channel]);
        sent += 1;
      } catch (error) {
        return {
          ok: false,
          sent,
          error: error instanceof ChannelError ? error.message : 'Sending failed with an unexpected error.',
        };
      }
    }
    return { ok: true, sent };
  }

  /** The tenant's dead letters, newest first. */
  async deadLetters(tenantId: string): Promise<DeadLetterRecord[]> {
    return DeadLetterModel.find({ tenantId }).sort({ diedAt: -1 }).limit(200).lean<DeadLetterRecord[]>();
  }

  /**
   * Sends a dead letter again: a new attempt series (its own job id, full retries), the same delivery id
   * (so receivers that keep idempotency keys still see one message).
   */
  async retry(tenantId: string, deliveryId: string): Promise<void> {
    const queues = this.deps.queues;
    if (!queues)
      throw new AppError('unavailable', 'Retrying needs the job queue, which is not available here.');
    const record = await findInTenant(DeliveryModel, deliveryId, tenantId, { status: 1, attemptId: 1 });
    if (record?.status !== 'dead')
      throw new AppError('not_found', 'That dead letter was not found (it may have been retried already).');
    const attemptId = record.attemptId + 1;
    // By `_id` alone (other filters scan on FerretDB). Two Retry presses at once both write attempt n+1
    // and enqueue the same job id, so the delivery still gets one new series of tries.
    await DeliveryModel.collection.updateOne({ _id: deliveryId } as never, {
      $set: { status: 'pending', attemptId, updatedAt: new Date() },
    });
    await DeadLetterModel.collection.deleteOne({ _id: deliveryId } as never);
    await queues.enqueue(
      'notify',
      'deliver',
      { deliveryId },
      deliverJobOptions(this.deps.config, deliveryId, attemptId),
    );
  }
}
