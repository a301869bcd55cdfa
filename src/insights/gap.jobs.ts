import type { Redis } from 'ioredis';
import { Types } from 'mongoose';
import { MessageModel } from '../conversations/message.model.js';
import { findInTenant } from '../db/by-id.js';
import type { AnyDomainEvent } from '../events/catalog.js';
import type { JobServices } from '../jobs/job-services.js';
import type { JobListener } from '../jobs/listeners.js';
import type { JobPayload } from '../jobs/queues.js';
import type { QueueHandlers } from '../jobs/workers.js';
import { withJobLock } from '../redis/job-lock.js';
import { recordGapReply } from './gap.service.js';
import {
  type GapAnswer,
  type GapAnswerHit,
  GapAnswerHitModel,
  GapAnswerModel,
  gapHitId,
} from './gap-answer.model.js';
import { answerCountsFor, citedQaPaths } from './gap-view.js';

/** The count job of one stored bot answer: `gap-hit-<tenant>-<seq>` (no ':' in BullMQ ids). */
export const gapHitJobId = (tenantId: string, seq: number) => `gap-hit-${tenantId}-${seq}`;

/** The job a stored bot answer citing a Q&A entry causes (null for every other event). */
export function gapHitJobOf(event: AnyDomainEvent): JobPayload<'gaps', 'countAnswer'> | null {
  if (event.name !== 'message.posted' || !event.conversationId) return null;
  const paths = citedQaPaths(event.payload.message);
  if (paths.length === 0) return null;
  return {
    tenantId: event.tenantId,
    conversationId: event.conversationId,
    messageId: event.payload.message.id,
    ...(event.courseId ? { courseId: event.courseId } : {}),
    paths,
    at: event.payload.message.createdAt,
  };
}

/** The reply job of a thread's resolution or reopening: `gap-reply-<tenant>-<seq>`. */
export const gapReplyJobId = (tenantId: string, seq: number) => `gap-reply-${tenantId}-${seq}`;

/**
 * Enqueues the answered-later count of a bot answer that cites a Q&A entry, and the keeping of a resolved
 * thread's reply (or marking it open when the thread is reopened).
 */
export const gapAnswerListener: JobListener = async (event, queues) => {
  if (
    (event.name === 'conversation.resolved' || event.name === 'conversation.reopened') &&
    event.conversationId
  ) {
    await queues.enqueue(
      'gaps',
      'recordReply',
      {
        tenantId: event.tenantId,
        conversationId: event.conversationId,
        seq: event.seq,
        resolved: event.name === 'conversation.resolved',
      },
      { jobId: gapReplyJobId(event.tenantId, event.seq) },
    );
    return;
  }
  const data = gapHitJobOf(event);
  if (!data) return;
  await queues.enqueue('gaps', 'countAnswer', data, { jobId: gapHitJobId(event.tenantId, event.seq) });
};

export interface GapCountDeps {
  redis: Redis;
  prefix: string;
}

/** How long one entry's count may be held (two `_id` reads and two writes; a crash frees it). */
const COUNT_LOCK_MS = 30_000;

/**
 * Runs `work` holding the entry's count lock, or fails (BullMQ retries after a backoff): two answers of the
 * same entry counted at once would both read the same `answered` (updates are not atomic on FerretDB 1).
 */
function withEntryLock<T>(deps: GapCountDeps, entryId: string, work: () => Promise<T>): Promise<T> {
  return withJobLock(
    deps.redis,
    `${deps.prefix}:lock:gap-count:${entryId}`,
    { holdMs: COUNT_LOCK_MS, busy: 'another job is counting this entry; retrying later' },
    work,
  );
}

/**
 * Counts one answer for one entry exactly once: the hit row (unique `_id`) takes the next count as its
 * `seq`, then the entry's `answered` becomes that count. Returns whether this run added to the count.
 */
async function countOnce(deps: GapCountDeps, entryId: Types.ObjectId, hit: GapAnswerHit): Promise<boolean> {
  await GapAnswerHitModel.create(hit).catch((error: { code?: number }) => {
    // The row is there already (a retry, or the event delivered twice): its `seq` says whether it counted.
    if (error.code !== 11000) throw error;
  });
  return withEntryLock(deps, String(entryId), async () => {
    const [entry, row] = await Promise.all([
      GapAnswerModel.findById(entryId).select({ answered: 1 }).lean<Pick<GapAnswer, 'answered'>>(),
      GapAnswerHitModel.findById(hit._id).select({ seq: 1 }).lean<Pick<GapAnswerHit, 'seq'>>(),
    ]);
    if (!entry || !row) return false;
    const answered = entry.answered ?? 0;
    if (row.seq != null) {
      // Counted before; finish a count whose entry write did not happen.
      if (row.seq > answered)
        await GapAnswerModel.updateOne({ _id: entryId }, { $set: { answered: row.seq } });
      return false;
    }
    await GapAnswerHitModel.updateOne({ _id: hit._id }, { $set: { seq: answered + 1 } });
    await GapAnswerModel.updateOne({ _id: entryId }, { $set: { answered: answered + 1 } });
    return true;
  });
}

/**
 * Counts a bot answer for every gap entry it answered: the tenant's entries with a cited path (a small
 * collection), checked against the answer's evidence (the stored message, read by `_id`). Safe to run
 * twice: returns how many entries this run counted the answer for.
 */
export async function countGapAnswer(
  data: JobPayload<'gaps', 'countAnswer'>,
  deps: GapCountDeps,
): Promise<number> {
  const tenantId = new Types.ObjectId(data.tenantId);
  const entries = await GapAnswerModel.find({ tenantId, path: { $in: data.paths } })
    .select({ _id: 1, path: 1, courseId: 1, createdAt: 1 })
    .lean<Pick<GapAnswer, '_id' | 'path' | 'courseId' | 'createdAt'>[]>();
  if (entries.length === 0) return 0;
  const message = await findInTenant(MessageModel, data.messageId, data.tenantId, { answer: 1 });
  if (!message) return 0;
  const passageSourceIds = message.answer?.passages?.map((p) => p.sourceId) ?? [];
  const answer = {
    paths: data.paths,
    at: new Date(data.at),
    ...(data.courseId ? { courseId: data.courseId } : {}),
    passageSourceIds,
  };
  let counted = 0;
  for (const entry of entries) {
    const view = {
      id: String(entry._id),
      path: entry.path,
      courseId: entry.courseId,
      createdAt: entry.createdAt,
    };
    if (!answerCountsFor(view, answer)) continue;
    const hit: GapAnswerHit = {
      _id: gapHitId(view.id, data.messageId),
      tenantId,
      gapAnswerId: entry._id,
      messageId: new Types.ObjectId(data.messageId),
      conversationId: new Types.ObjectId(data.conversationId),
      at: answer.at,
      seq: null,
    };
    if (await countOnce(deps, entry._id, hit)) counted++;
  }
  return counted;
}

export function gapJobs(services: JobServices): QueueHandlers<'gaps'> {
  const deps = { redis: services.redis, prefix: services.config.REDIS_PREFIX };
  const conversations = services.conversations.service;
  return {
    countAnswer: async (job) => ({ counted: await countGapAnswer(job.data, deps) }),
    recordReply: async (job) => ({ kept: await recordGapReply(job.data, { conversations }) }),
  };
}
