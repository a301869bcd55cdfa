import { createHash } from 'node:crypto';
import { findInTenant } from '../db/by-id.js';
import type { NotifyTarget } from '../handoff/handoff.types.js';
import { UserModel } from '../users/user.model.js';
import type { DeliveryRecipient, NotifyChannel } from './notify.models.js';
import type { NotificationKind } from './notify.types.js';

/** The tenant's enabled channels that asked for `kind`, as recipients (an email channel: one per address). */
export function channelRecipients(
  channels: readonly NotifyChannel[],
  kind: NotificationKind,
): DeliveryRecipient[] {
  return channels
    .filter((channel) => channel.enabled && channel.kinds.includes(kind))
    .flatMap((channel) => channelAsRecipients(channel));
}

/** One channel's recipients, whatever kinds it asked for (the "Send test" button). */
export function channelAsRecipients(channel: NotifyChannel): DeliveryRecipient[] {
  if (channel.type === 'email')
    return splitAddresses(channel.target).map((address) => ({
      type: 'email' as const,
      target: address,
      channelId: channel.id,
      label: channel.name,
    }));
  return [{ type: channel.type, target: channel.target, channelId: channel.id, label: channel.name }];
}

/** "a@x.edu, b@x.edu; c@x.edu" → the addresses, trimmed and lower-cased, without duplicates. */
export function splitAddresses(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[,;\s]+/)
        .map((address) => address.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
}

/** Looks up an admin's email address in their tenant (never another tenant's user). */
export type UserEmailLookup = (
  tenantId: string,
  userId: string,
) => Promise<{ email?: string; name?: string } | null>;

export const lookupUserEmail: UserEmailLookup = async (tenantId, userId) => {
  const user = await findInTenant(UserModel, userId, tenantId, { email: 1, name: 1 });
  return user ? { email: user.email, name: user.name } : null;
};

/**
 * Turns explicit targets into recipients: `user` targets become that admin's email (skipped when the
 * tenant has no such user or it has no address); a webhook URL that is one of the tenant's channels is
 * signed with that channel's secret.
 */
export async function resolveTargets(
  tenantId: string,
  targets: readonly NotifyTarget[],
  channels: readonly NotifyChannel[],
  lookup: UserEmailLookup = lookupUserEmail,
): Promise<DeliveryRecipient[]> {
  // Each admin read once, the reads side by side (each by `_id`, see findInTenant).
  const userIds = [...new Set(targets.filter((t) => t.type === 'user').map((t) => t.target))];
  const users = new Map(
    await Promise.all(userIds.map(async (userId) => [userId, await lookup(tenantId, userId)] as const)),
  );
  const resolved: DeliveryRecipient[] = [];
  for (const target of targets) {
    if (target.type === 'user') {
      const user = users.get(target.target);
      if (user?.email)
        resolved.push({
          type: 'email',
          target: user.email.toLowerCase(),
          userId: target.target,
          label: user.name,
        });
      continue;
    }
    const channel = channels.find((c) => c.type === target.type && c.target === target.target);
    if (target.type === 'email')
      for (const address of splitAddresses(target.target)) resolved.push({ type: 'email', target: address });
    else
      resolved.push({
        type: target.type,
        target: target.target,
        channelId: channel?.id,
        label: channel?.name,
      });
  }
  return resolved;
}

/** What makes two recipients the same: one delivery each per request. */
export const recipientKey = (recipient: DeliveryRecipient): string =>
  `${recipient.type}|${recipient.type === 'email' ? recipient.target.toLowerCase() : recipient.target}`;

/**
 * Keeps one recipient per address or URL; a personal one (bound to an admin, so its email carries their
 * single-use link) wins over a shared one with the same address.
 */
export function dedupeRecipients(recipients: readonly DeliveryRecipient[]): DeliveryRecipient[] {
  const byKey = new Map<string, DeliveryRecipient>();
  for (const recipient of recipients) {
    const key = recipientKey(recipient);
    const existing = byKey.get(key);
    if (!existing || (!existing.userId && recipient.userId)) byKey.set(key, recipient);
  }
  return [...byKey.values()];
}

/** The delivery id: deterministic in tenant, request key and recipient (no ':' so it fits a job id). */
export function deliveryId(tenantId: string, key: string, recipient: DeliveryRecipient): string {
  return `d${createHash('sha256')
    .update(`${tenantId}\u0000${key}\u0000${recipientKey(recipient)}`)
    .digest('hex')
    .slice(0, 32)}`;
}
