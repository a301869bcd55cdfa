import { DelayedError, type Job } from 'bullmq';
import { Types } from 'mongoose';
import { ConversationModel } from '../conversations/conversation.model.js';
import { type Message, MessageModel } from '../conversations/message.model.js';
import type { JobServices } from '../jobs/job-services.js';
import type { JobPayloads } from '../jobs/queues.js';
import { LaunchModel } from '../lti/launch.model.js';
import { TenantModel } from '../tenants/tenant.model.js';
import { renderFollowUpEmail, safeCourseUrl } from './follow-up-message.js';
import { wantsFollowUpEmail } from './follow-up-preference.js';
import { LearnerPresence } from './follow-up-presence.js';
import { type FollowUpRecord, FollowUpRecordModel, type PendingFollowUp } from './follow-up-record.model.js';
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

type ReplyDoc = Pick<Message, '_id' | 'text' | 'authorName' | 'createdAt'>;

/** Later in (time, id) order: the order replies are dealt with. */
const after = (reply: ReplyDoc, time: Date | undefined, id: string | undefined) =>
  !time ||
  reply.createdAt.getTime() > time.getTime() ||
  (reply.createdAt.getTime() === time.getTime() && String(reply._id) > (id ?? ''));

/** The thread's staff replies not dealt with yet, oldest first (the history index: tenant, thread, time). */
async function unhandledReplies(
  tenantId: string,
  conversationId: string,
  record: FollowUpRecord | null,
): Promise<ReplyDoc[]> {
  const since = record?.handledThrough;
  const replies = await MessageModel.find(
    {
      tenantId: new Types.ObjectId(tenantId),
      conversationId: new Types.ObjectId(conversationId),
      ...(since ? { createdAt: { $gte: since } } : {}),
      author: 'admin',
      kind: 'message',
      internal: false,
    },
    { text: 1, authorName: 1, createdAt: 1 },
  )
    .sort({ createdAt: 1, _id: 1 })
    .limit(200)
    .lean<ReplyDoc[]>();
  return replies.filter((reply) => after(reply, since, record?.handledId));
}

/** The record of a thread, created empty on first use (by `_id`; a racing insert is simply read back). */
async function loadRecord(tenantId: string, conversationId: string): Promise<FollowUpRecord> {
  const _id = new Types.ObjectId(conversationId);
  const found = await FollowUpRecordModel.findById(_id).lean<FollowUpRecord>();
  if (found) return found;
  await FollowUpRecordModel.updateOne(
    { _id },
    {
      $setOnInsert: {
        tenantId: new Types.ObjectId(tenantId),
        version: 0,
        emails: 0,
        updatedAt: new Date(),
      },
    },
    { upsert: true },
  ).catch((error: { code?: number }) => {
    if (error.code !== 11000) throw error;
  });
  const created = await FollowUpRecordModel.findById(_id).lean<FollowUpRecord>();
  if (!created) throw new Error('follow-up record could not be created');
  return created;
}

/**
 * Moves the record from `version` on: replies up to `last` are dealt with, with `pending` as the email
 * to send (if any). False when another run changed the record first (it dealt with these replies).
 */
async function claim(
  record: FollowUpRecord,
  last: ReplyDoc,
  outcome: FollowUpOutcome,
  pending?: PendingFollowUp,
): Promise<boolean> {
  const result = await FollowUpRecordModel.updateOne(
    { _id: record._id, version: record.version },
    {
      $set: {
        handledThrough: last.createdAt,
        handledId: String(last._id),
        lastOutcome: outcome,
        updatedAt: new Date(),
        ...(pending ? { pending } : {}),
      },
      $inc: { version: 1 },
    },
  );
  return result.modifiedCount === 1;
}

/** The email was handed to the notifier: the outbox entry goes, the count grows. */
async function settle(record: Pick<FollowUpRecord, '_id'>, version: number): Promise<void> {
  await FollowUpRecordModel.updateOne(
    { _id: record._id, version },
    { $unset: { pending: 1 }, $inc: { version: 1, emails: 1 }, $set: { updatedAt: new Date() } },
  );
}

/**
 * Builds the email of a claimed batch and hands it to the notifier under the batch's key: the
 * notifier stores one delivery per key and recipient, so a retry after a crash anywhere here re-asks
 * with the same key and nothing is sent twice.
 */
async function deliver(
  services: JobServices,
  tenantId: string,
  conversationId: string,
  pending: PendingFollowUp,
): Promise<number> {
  const conversation = await ConversationModel.findById(conversationId).lean();
  if (!conversation || String(conversation.tenantId) !== tenantId) return 0;
  const replies = await MessageModel.find(
    { _id: { $in: pending.messageIds.map((id) => new Types.ObjectId(id)) } },
    { tenantId: 1, text: 1, authorName: 1, createdAt: 1 },
  )
    .sort({ createdAt: 1, _id: 1 })
    .lean<(ReplyDoc & { tenantId: Types.ObjectId })[]>();
  const shown = replies
    .filter((reply) => String(reply.tenantId) === tenantId)
    .map((reply) => ({
      ...(reply.authorName ? { author: reply.authorName } : {}),
      text: reply.text,
      at: reply.createdAt.toISOString(),
    }));
  if (shown.length === 0) return 0;
  const [launch, tenant] = await Promise.all([
    conversation.context?.launchId && Types.ObjectId.isValid(conversation.context.launchId)
      ? LaunchModel.findById(conversation.context.launchId, { tenantId: 1, returnUrl: 1 }).lean()
      : null,
    TenantModel.findById(conversation.tenantId, { timeZone: 1 }).lean(),
  ]);
  const courseUrl =
    launch && String(launch.tenantId) === tenantId ? safeCourseUrl(launch.returnUrl) : undefined;
  const learnerName = conversation.user.name?.split(/\s+/)[0];
  const email = renderFollowUpEmail({
    learnerName,
    courseTitle: conversation.context?.courseTitle,
    locale: conversation.locale,
    timeZone: tenant?.timeZone ?? 'UTC',
    replies: shown,
    courseUrl,
  });
  await sendFollowUp(services, {
    tenantId,
    conversationId,
    key: pending.key,
    to: pending.to,
    replies: shown,
    courseUrl,
    email,
  });
  return shown.length;
}

/**
 * Emails a learner the staff replies they have not seen (the `notify.followUp` job). Waits out the
 * grace period from the oldest reply not dealt with (moving itself to delayed), then: nothing if the
 * learner is on the chat or has loaded it since, has no address, or turned these emails off; otherwise
 * one email with every such reply. The record is claimed before sending (conditional on its version)
 * and the notifier request carries a key derived from the first reply, so retries, a second job of the
 * same window and two workers all end with one email.
 */
export async function runFollowUp(
  job: Job<JobPayloads['notify']['followUp']>,
  services: JobServices,
): Promise<FollowUpResult> {
  const { tenantId, conversationId } = job.data;
  if (!Types.ObjectId.isValid(conversationId) || !Types.ObjectId.isValid(tenantId))
    return { outcome: 'gone' };
  let record = await loadRecord(tenantId, conversationId);
  if (String(record.tenantId) !== tenantId) return { outcome: 'gone' };

  // An email claimed by an earlier run that may not have reached the notifier: ask again, same key.
  let resent: FollowUpResult | undefined;
  if (record.pending) {
    const { key } = record.pending;
    const replies = await deliver(services, tenantId, conversationId, record.pending);
    await settle(record, record.version);
    resent = { outcome: 'resent', replies, key };
    record = await loadRecord(tenantId, conversationId);
    if (record.pending) return { outcome: 'raced' };
  }

  const replies = await unhandledReplies(tenantId, conversationId, record);
  const first = replies[0];
  const last = replies.at(-1);
  if (!first || !last) return resent ?? { outcome: 'nothing' };

  const graceMs = services.config.FOLLOW_UP_GRACE_SECONDS * 1000;
  const due = first.createdAt.getTime() + graceMs;
  if (Date.now() < due && job.token) {
    // Not yet: the learner may still come back. The job waits (same id) instead of a second one.
    await job.moveToDelayed(due, job.token);
    throw new DelayedError();
  }

  const conversation = await ConversationModel.findById(conversationId, {
    tenantId: 1,
    user: 1,
    contactEmail: 1,
  }).lean();
  if (!conversation || String(conversation.tenantId) !== tenantId) return { outcome: 'gone' };

  const presence = new LearnerPresence({ redis: services.redis, prefix: services.config.REDIS_PREFIX });
  const status = await presence.status(tenantId, conversationId);
  const unseen = status.connected
    ? []
    : replies.filter((reply) => !status.seenAt || reply.createdAt.getTime() > status.seenAt.getTime());
  const to = conversation.contactEmail || conversation.user.email;

  let outcome: FollowUpOutcome = 'sent';
  if (unseen.length === 0) outcome = 'seen';
  else if (!to) outcome = 'no_email';
  else if (!(await wantsFollowUpEmail(tenantId, String(conversation.user.userId)))) outcome = 'opted_out';

  if (outcome !== 'sent' || !to) {
    // Dealt with: a later reply's email does not carry these (seen, or not wanted then).
    const claimed = await claim(record, last, outcome);
    return { outcome: claimed ? outcome : 'raced', replies: 0 };
  }

  const pending: PendingFollowUp = {
    key: `followup-${conversationId}-${String(unseen[0]?._id)}`,
    to,
    messageIds: unseen.map((reply) => String(reply._id)),
    at: new Date(),
  };
  if (!(await claim(record, last, 'sent', pending))) return { outcome: 'raced' };
  const sent = await deliver(services, tenantId, conversationId, pending);
  await settle(record, record.version + 1);
  return { outcome: 'sent', replies: sent, key: pending.key };
}
