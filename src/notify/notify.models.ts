import { model, Schema } from 'mongoose';
import type { DigestRow, LeadFacts, NotificationKind, QuotedReply, ReadyEmail } from './notify.types.js';

/** The channel types a tenant can configure (a `user` target is a person, not a channel). */
export type ChannelType = 'email' | 'slack' | 'teams' | 'webhook';

/**
 * One configured channel of a tenant. `target` is the address list (email, comma-separated) or the URL;
 * Slack, Teams and webhook URLs are credentials in themselves and, like the webhook `secret`, are only
 * ever shown masked after they are saved.
 */
export interface NotifyChannel {
  id: string;
  type: ChannelType;
  name: string;
  target: string;
  /** Webhook channels: the HMAC key of `X-Chatref-Signature`. */
  secret?: string;
  kinds: NotificationKind[];
  enabled: boolean;
  createdAt: Date;
}

/** A tenant's notification channels: one document per tenant, `_id` the tenant id (read by `_id`). */
export interface NotifySettingsRecord {
  _id: string;
  channels: NotifyChannel[];
  version: number;
  updatedAt: Date;
}

const channelSchema = new Schema<NotifyChannel>(
  {
    id: { type: String, required: true },
    type: { type: String, enum: ['email', 'slack', 'teams', 'webhook'], required: true },
    name: { type: String, required: true, maxlength: 100 },
    target: { type: String, required: true, maxlength: 2000 },
    secret: String,
    kinds: { type: [String], default: [] },
    enabled: { type: Boolean, default: true },
    createdAt: { type: Date, required: true },
  },
  { _id: false },
);

const settingsSchema = new Schema<NotifySettingsRecord>(
  {
    _id: { type: String, required: true },
    channels: { type: [channelSchema], default: [] },
    version: { type: Number, default: 0 },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'notification_settings', versionKey: false },
);

export const NotifySettingsModel = model<NotifySettingsRecord>('NotifySettings', settingsSchema);

/** Where one delivery goes. `user` recipients were resolved to their address when requested. */
export interface DeliveryRecipient {
  type: ChannelType;
  /** An email address or a URL. */
  target: string;
  /** The channel it came from (webhooks are signed with that channel's secret). */
  channelId?: string;
  /** The admin it is addressed to: emails to one admin carry a single-use thread link bound to them. */
  userId?: string;
  /** A display name (the channel's or the admin's). */
  label?: string;
}

/** What a message says, independent of the channel; rendered per channel when sent. */
export interface NotificationContent {
  kind: NotificationKind | 'test';
  /** One line: "New handoff: Ana Learner in Biology 101". */
  title: string;
  /** Extra lines before the thread facts (the SLA target and due time, an escalation step…). */
  lines: string[];
  thread?: {
    conversationId: string;
    learner?: string;
    course?: string;
    reason?: string;
    summary: string[];
    priority?: string;
    category?: string;
    question?: string;
  };
  rows?: DigestRow[];
  replies?: QuotedReply[];
  /** Learner follow-ups: where the learner goes back to (the course in the LMS). */
  courseUrl?: string;
  /** A ready email (learner follow-ups, in the learner's language, escaped): sent as is by the email channel. */
  email?: ReadyEmail;
  /** The tenant's time zone, for times in the text. */
  timeZone?: string;
  /** New leads: the prospect's details. */
  lead?: LeadFacts;
}

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'dead';

/**
 * One message to one recipient. `_id` is derived from the request key and the recipient, so a second
 * request for the same thing finds it and sends nothing. Status: pending → sent, or failed (a try
 * failed; retried) → … → dead (the last try failed). Who sends it is settled by a Redis lease, not here
 * (`deliver.ts`); `sending`/`sendingAt` are only found on records written before that.
 */
export interface DeliveryRecord {
  _id: string;
  tenantId: string;
  kind: NotificationKind;
  key: string;
  conversationId?: string;
  recipient: DeliveryRecipient;
  content: NotificationContent;
  status: DeliveryStatus;
  /** Sends tried (all attempt ids). */
  attempts: number;
  /** The current attempt series: `0` first, then one per Retry from the dead letters. */
  attemptId: number;
  lastError?: string;
  sendingAt?: Date;
  sentAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

const deliverySchema = new Schema<DeliveryRecord>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    kind: { type: String, required: true },
    key: { type: String, required: true },
    conversationId: String,
    recipient: { type: Schema.Types.Mixed, required: true },
    content: { type: Schema.Types.Mixed, required: true },
    status: { type: String, required: true },
    attempts: { type: Number, default: 0 },
    attemptId: { type: Number, default: 0 },
    lastError: String,
    sendingAt: Date,
    sentAt: Date,
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'notification_deliveries', versionKey: false },
);

export const DeliveryModel = model<DeliveryRecord>('NotificationDelivery', deliverySchema);

/**
 * A delivery that failed its last attempt, listed on the settings page until retried. Kept apart from
 * the deliveries so listing a tenant's dead letters reads a small collection.
 */
export interface DeadLetterRecord {
  _id: string;
  tenantId: string;
  kind: NotificationKind;
  recipient: DeliveryRecipient;
  title: string;
  error: string;
  attempts: number;
  diedAt: Date;
}

const deadLetterSchema = new Schema<DeadLetterRecord>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    kind: { type: String, required: true },
    recipient: { type: Schema.Types.Mixed, required: true },
    title: { type: String, required: true },
    error: { type: String, required: true },
    attempts: { type: Number, required: true },
    diedAt: { type: Date, required: true },
  },
  { collection: 'notification_dead_letters', versionKey: false },
);
deadLetterSchema.index({ tenantId: 1, diedAt: -1 });

export const DeadLetterModel = model<DeadLetterRecord>('NotificationDeadLetter', deadLetterSchema);

/**
 * A single-use thread link: `_id` is the SHA-256 of the token (the token itself is only in the email).
 * Consumed by one conditional update on `usedAt`.
 */
export interface ThreadLinkRecord {
  _id: string;
  tenantId: string;
  userId: string;
  conversationId: string;
  expiresAt: Date;
  usedAt?: Date | null;
  createdAt: Date;
}

const threadLinkSchema = new Schema<ThreadLinkRecord>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    userId: { type: String, required: true },
    conversationId: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    usedAt: { type: Date, default: null },
    createdAt: { type: Date, required: true },
  },
  { collection: 'notification_links', versionKey: false },
);

export const ThreadLinkModel = model<ThreadLinkRecord>('NotificationThreadLink', threadLinkSchema);
