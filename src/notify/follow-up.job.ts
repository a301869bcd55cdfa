import { DelayedError, type Job } from 'bullmq';
import { Types } from 'mongoose';
import { ConversationModel } from '../conversations/conversation.model.js';
import type { MessageView } from '../conversations/conversation.views.js';
import { findInTenant, findKeyedInTenant, TAKEN } from '../db/by-id.js';
import type { JobServices } from '../jobs/job-services.js';
import type { JobPayloads } from '../jobs/queues.js';
import { LaunchModel } from '../lti/launch.model.js';
import { TenantModel } from '../tenants/tenant.model.js';
import { renderFollowUpEmail, safeCourseUrl } from './follow-up-message.js';
import { wantsFollowUpEmail } from './follow-up-preference.js';
import { LearnerPresence } from './follow-up-presence.js';
import {
  type FollowUpChange,
  type FollowUpClaim,
  FollowUpClaimModel,
  type FollowUpRecord,
  FollowUpRecordModel,
  type PendingFollowUp,
} from './follow-up-record.model.js';
import { sendFollowUp } from './follow-up-send.js';

/** What a run decided; returned as the job's result (visible in BullMQ and to tests). */
export type FollowUpOutcome =
  | 'sent'
  | 'resent'
  | 'nothing'
  | 'seen'
  | 'no_email'
  | 'opted_out'
  | 'gone'
  | 'raced';

export interface FollowUpResult {
  outcome: FollowUpOutcome;
  replies?: number;
  key?: string;
}

/** Sorts as replies are dealt with: by time, then id. */
const replyKey = (reply: { createdAt: string; id: string }) => `${reply.createdAt}|${reply.id}`;

/**
 * The thread's staff replies not dealt with yet, oldest first: admin messages the learner sees (never
 * notes or status lines), from the thread's cached newest messages (Redis; the database on a cold cache).
 */
async function unhandledReplies(
  services: JobServices,
  tenantId: string,
  conversationId: string,
  record: FollowUpRecord,
): Promise<MessageView[]> {
  const messages = await services.conversations.service.learnerContext({
    tenantId,
    conversationId,
    limit: 200,
  });
  return messages.filter(
    (message) =>
      message.author === 'admin' &&
      message.kind === 'message' &&
      !message.internal &&
      (!record.handledKey || replyKey(message) > record.handledKey),
  );
}

/**
 * The record of a thread, created empty on first use (by `_id` alone); {@link TAKEN} when the id holds
 * another tenant's record.
 */
async function loadRecord(tenantId: string, conversationId: string): Promise<FollowUpRecord | typeof TAKEN> {
  const _id = new Types.ObjectId(conversationId);
  const found = await findKeyedInTenant<FollowUpRecord>(FollowUpRecordModel, _id, tenantId);
  if (found) return found;
  await FollowUpRecordModel.updateOne(
    { _id },
    {
      $setOnInsert: {
        tenantId: new Types.ObjectId(tenantId),
        version: 0,
        sent: [],
        updatedAt: new Date(),
      },
    },
    { upsert: true },
  ).catch((error: { code?: number }) => {
    if (error.code !== 11000) throw error;
  });
  const created = await findKeyedInTenant<FollowUpRecord>(FollowUpRecordModel, _id, tenantId);
  if (!created) throw new Error('follow-up record could not be created');
  return created;
}

/**
 * Claims the move of the record from its version: inserting `<conversation>-<version>` succeeds for one
 * run only. Returns the change that won: this run's, or the one another run (or a crashed earlier try of
 * this job) claimed first.
 */
async function claim(
  record: FollowUpRecord,
  change: FollowUpChange,
): Promise<{ won: boolean; change: FollowUpChange }> {
  const _id = `${String(record._id)}-${record.version}`;
  try {
    await FollowUpClaimModel.collection.insertOne({
      _id,
      tenantId: record.tenantId,
      change,
      at: new Date(),
    } as never);
    return { won: true, change };
  } catch (error) {
    if ((error as { code?: number }).code !== 11000) throw error;
    const existing = await FollowUpClaimModel.findById(_id).lean<FollowUpClaim>();
    if (!existing) throw error;
    return { won: false, change: existing.change };
  }
}

/** Writes a claimed change to the record: by `_id`, idempotent, never moving it backwards. */
async function apply(record: FollowUpRecord, change: FollowUpChange): Promise<void> {
  await FollowUpRecordModel.collection.updateOne({ _id: record._id }, {
    $max: { version: record.version + 1, handledKey: change.handledKey },
    $set: {
      lastOutcome: change.outcome,
      updatedAt: new Date(),
      ...(change.pending ? { [`pending.${change.pending.key}`]: change.pending } : {}),
    },
  } as never);
}

/** The email was handed to the notifier: its outbox entry goes, its key joins the sent ones. */
async function settle(record: FollowUpRecord, key: string): Promise<void> {
  await FollowUpRecordModel.collection.updateOne({ _id: record._id }, {
    $unset: { [`pending.${key}`]: 1 },
    $addToSet: { sent: key },
    $set: { updatedAt: new Date() },
  } as never);
}

/**
 * Builds the email of a claimed batch and hands it to the notifier under the batch's key: the notifier
 * stores one delivery per key and recipient, so asking again (a retry after a crash anywhere here, or a
 * run that lost the claim) never sends twice.
 */
async function deliver(
  services: JobServices,
  tenantId: string,
  conversationId: string,
  pending: PendingFollowUp,
): Promise<void> {
  const conversation = await findInTenant(ConversationModel, conversationId, tenantId, {
    user: 1,
    locale: 1,
    context: 1,
  });
  if (!conversation) return;
  const [launch, tenant] = await Promise.all([
    conversation.context?.launchId
      ? findInTenant(LaunchModel, conversation.context.launchId, tenantId, { returnUrl: 1 })
      : null,
    TenantModel.findById(conversation.tenantId, { timeZone: 1 }).lean(),
  ]);
  const courseUrl = launch ? safeCourseUrl(launch.returnUrl) : undefined;
  const replies = pending.replies.map((reply) => ({
    ...(reply.author ? { author: reply.author } : {}),
    text: reply.text,
    at: reply.at,
  }));
  const email = renderFollowUpEmail({
    learnerName: conversation.user.name?.split(/\s+/)[0],
    courseTitle: conversation.context?.courseTitle,
    locale: conversation.locale,
    timeZone: tenant?.timeZone ?? 'UTC',
    replies,
    courseUrl,
  });
  await sendFollowUp(services, {
    tenantId,
    conversationId,
    key: pending.key,
    to: pending.to,
    replies,
    courseUrl,
    email,
  });
}

/**
 * Emails a learner the staff replies they have not seen (the `notify.followUp` job, one per staff reply).
 * Waits out the grace period from the oldest reply not dealt with (moving itself to delayed), then:
 * nothing if the learner is on the chat or loaded it since, has no address, or turned these emails off;
 * otherwise one email with every such reply. Which run decides is settled by inserting a claim for the
 * record's version (see FollowUpClaimModel); the email goes out under a key derived from its first reply,
 * through an outbox entry, so retries, the other jobs of the same window and two workers end with one
 * email. Every database access is by `_id`.
 */
export async function runFollowUp(
  job: Job<JobPayloads['notify']['followUp']>,
  services: JobServices,
): Promise<FollowUpResult> {
  const { tenantId, conversationId } = job.data;
  if (!Types.ObjectId.isValid(conversationId) || !Types.ObjectId.isValid(tenantId))
    return { outcome: 'gone' };
  let resent: FollowUpResult | undefined;
  // A few rounds at most: each lost claim means another run moved the record on; look again.
  for (let round = 0; round < 5; round++) {
    const record = await loadRecord(tenantId, conversationId);
    if (record === TAKEN) return { outcome: 'gone' };

    // Emails claimed earlier that may not have reached the notifier (a crash, a lost claim): ask again.
    for (const pending of Object.values(record.pending ?? {})) {
      await deliver(services, tenantId, conversationId, pending);
      await settle(record, pending.key);
      resent = { outcome: 'resent', replies: pending.replies.length, key: pending.key };
    }

    const replies = await unhandledReplies(services, tenantId, conversationId, record);
    const first = replies[0];
    const last = replies.at(-1);
    if (!first || !last) return resent ?? { outcome: 'nothing' };

    const due = Date.parse(first.createdAt) + services.config.FOLLOW_UP_GRACE_SECONDS * 1000;
    if (Date.now() < due && job.token) {
      // Not yet: the learner may still come back. This job waits (same id) rather than adding another.
      await job.moveToDelayed(due, job.token);
      throw new DelayedError();
    }

    const conversation = await findInTenant(ConversationModel, conversationId, tenantId, {
      user: 1,
      contactEmail: 1,
    });
    if (!conversation) return { outcome: 'gone' };

    const presence = new LearnerPresence({ redis: services.redis, prefix: services.config.REDIS_PREFIX });
    const status = await presence.status(tenantId, conversationId);
    const unseen = status.connected
      ? []
      : replies.filter((reply) => !status.seenAt || Date.parse(reply.createdAt) > status.seenAt.getTime());
    const to = conversation.contactEmail || conversation.user.email;

    let outcome: FollowUpOutcome = 'sent';
    if (unseen.length === 0) outcome = 'seen';
    else if (!to) outcome = 'no_email';
    else if (!(await wantsFollowUpEmail(tenantId, String(conversation.user.userId)))) outcome = 'opted_out';

    const change: FollowUpChange = { handledKey: replyKey(last), outcome };
    if (outcome === 'sent' && to && unseen[0])
      change.pending = {
        key: `followup-${conversationId}-${unseen[0].id}`,
        to,
        replies: unseen.map((reply) => ({
          id: reply.id,
          ...(reply.authorName ? { author: reply.authorName } : {}),
          text: reply.text,
          at: reply.createdAt,
        })),
        at: new Date(),
      };

    const claimed = await claim(record, change);
    await apply(record, claimed.change);
    if (!claimed.won) continue;
    // Dealt with. Seen, no address or not wanted: later replies' emails do not carry these.
    if (!change.pending) return { outcome, replies: 0 };
    await deliver(services, tenantId, conversationId, change.pending);
    await settle(record, change.pending.key);
    return { outcome: 'sent', replies: change.pending.replies.length, key: change.pending.key };
  }
  return resent ?? { outcome: 'raced' };
}
