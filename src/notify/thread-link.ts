import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Types } from 'mongoose';
import { LaunchModel } from '../lti/launch.model.js';
import { issueSessionToken } from '../lti/session.js';
import type { MessageLink } from './channels/render.js';
import { ThreadLinkModel, type ThreadLinkRecord } from './notify.models.js';

/**
 * How an admin lands in a thread from a notification (docs/features/notifications.md, "Thread links"):
 * - an email to one admin carries a signed single-use link, bound to that admin, valid 15 minutes. Only a
 *   hash of its token is stored; opening it (a POST from its landing page, so mail scanners that fetch
 *   links do not use it up) marks it used (once: see {@link consumeThreadLink}) and signs the admin in
 *   from their latest launch;
 * - every other message (Slack, Teams, webhooks, shared addresses) links to a landing page that carries no
 *   credential and asks to open Chatref from the LMS.
 */
export const LINK_TTL_MS = 15 * 60 * 1000;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A token as it may appear in a URL: 43 base64url characters (32 random bytes). */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** The landing page of a thread for shared channels: no credential in it. */
export function landingUrl(publicUrl: string, conversationId: string): string {
  return `${publicUrl}/go/thread/${encodeURIComponent(conversationId)}`;
}

/** The link of a shared message. */
export function landingLink(publicUrl: string, conversationId: string): MessageLink {
  return {
    url: landingUrl(publicUrl, conversationId),
    label: 'Open the thread',
    note: 'Open Chatref from your LMS to see it (this link does not sign you in).',
  };
}

/** Creates a single-use link for one admin and thread; the token exists only in the returned URL. */
export async function createThreadLink(input: {
  tenantId: string;
  userId: string;
  conversationId: string;
  publicUrl: string;
  now?: Date;
}): Promise<MessageLink & { expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const now = input.now ?? new Date();
  const expiresAt = new Date(now.getTime() + LINK_TTL_MS);
  await ThreadLinkModel.collection.insertOne({
    _id: hashToken(token),
    tenantId: input.tenantId,
    userId: input.userId,
    conversationId: input.conversationId,
    expiresAt,
    usedAt: null,
    createdAt: now,
  } as never);
  return {
    // In the query as `token`: request logs redact that parameter (the path would be logged as is).
    url: `${input.publicUrl}/go?token=${token}`,
    label: 'Open the thread in Chatref',
    note: 'This link signs you in once and only works for 15 minutes; afterwards open Chatref from your LMS.',
    expiresAt,
  };
}

export type LinkCheck =
  | { ok: true; link: ThreadLinkRecord }
  | { ok: false; reason: 'unknown' | 'expired' | 'used'; conversationId?: string };

/** What a token is, without using it (the landing page before the button is pressed). */
export async function inspectThreadLink(token: string, now = new Date()): Promise<LinkCheck> {
  if (!TOKEN_PATTERN.test(token)) return { ok: false, reason: 'unknown' };
  const link = await ThreadLinkModel.findById(hashToken(token)).lean();
  if (!link) return { ok: false, reason: 'unknown' };
  if (link.usedAt) return { ok: false, reason: 'used', conversationId: link.conversationId };
  if (link.expiresAt.getTime() <= now.getTime())
    return { ok: false, reason: 'expired', conversationId: link.conversationId };
  return { ok: true, link };
}

/**
 * Uses a token, once: the first to set its Redis mark (`SET NX`, atomic) wins; the database then records
 * `usedAt` by `_id` (FerretDB neither isolates conditional updates nor answers other filters from an
 * index), so a link stays used should Redis lose the mark.
 */
export async function consumeThreadLink(
  token: string,
  options: { redis?: Redis; prefix?: string; now?: Date } = {},
): Promise<LinkCheck> {
  const now = options.now ?? new Date();
  const check = await inspectThreadLink(token, now);
  if (!check.ok) return check;
  const _id = hashToken(token);
  if (options.redis) {
    const key = `${options.prefix ?? 'chatref'}:notify:link-used:${_id}`;
    const won = await options.redis.set(key, '1', 'PX', LINK_TTL_MS * 2, 'NX');
    if (won !== 'OK') return { ok: false, reason: 'used', conversationId: check.link.conversationId };
  }
  await ThreadLinkModel.collection.updateOne({ _id } as never, { $set: { usedAt: now } });
  return check;
}

/**
 * A session for the admin a used link was bound to, from their latest staff launch in the tenant (so its
 * role, course and lead rights are what the LMS last said). Null when they have none.
 */
export async function sessionForLink(link: ThreadLinkRecord, secret: string): Promise<string | null> {
  if (!Types.ObjectId.isValid(link.userId) || !Types.ObjectId.isValid(link.tenantId)) return null;
  const launch = await LaunchModel.findOne({
    tenantId: new Types.ObjectId(link.tenantId),
    userId: new Types.ObjectId(link.userId),
    role: { $in: ['admin', 'instructor'] },
  })
    .sort({ createdAt: -1 })
    .lean();
  if (!launch) return null;
  return issueSessionToken(
    {
      launchId: String(launch._id),
      tenantId: link.tenantId,
      userId: link.userId,
      courseId: launch.courseId ? String(launch.courseId) : undefined,
      role: launch.role,
      locale: launch.locale ?? 'en',
    },
    secret,
  );
}
