import { Types } from 'mongoose';
import { MessageModel } from '../conversations/message.model.js';
import type { AnyDomainEvent } from '../events/catalog.js';
import type { JobServices } from '../jobs/job-services.js';
import type { JobListener } from '../jobs/listeners.js';
import type { JobPayload } from '../jobs/queues.js';
import type { QueueHandlers } from '../jobs/workers.js';
import { type GapAnswer, GapAnswerHitModel, GapAnswerModel, gapHitId } from './gap-answer.model.js';
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

/** Enqueues the answered-later count of a bot answer that cites a Q&A entry. */
export const gapAnswerListener: JobListener = async (event, queues) => {
  const data = gapHitJobOf(event);
  if (!data) return;
  await queues.enqueue('gaps', 'countAnswer', data, { jobId: gapHitJobId(event.tenantId, event.seq) });
};

/**
 * Counts a bot answer for every gap entry it answered: the tenant's entries with a cited path (a small
 * collection), checked against the answer's evidence (the stored message, read by `_id`), one hit row per
 * (entry, answer) with a deterministic `_id`, so a retry or a second run inserts nothing new.
 */
export async function countGapAnswer(data: JobPayload<'gaps', 'countAnswer'>): Promise<number> {
  const tenantId = new Types.ObjectId(data.tenantId);
  const entries = await GapAnswerModel.find({ tenantId, path: { $in: data.paths } })
    .select({ _id: 1, path: 1, courseId: 1, createdAt: 1 })
    .lean<Pick<GapAnswer, '_id' | 'path' | 'courseId' | 'createdAt'>[]>();
  if (entries.length === 0) return 0;
  const message = await MessageModel.findById(new Types.ObjectId(data.messageId))
    .select({ tenantId: 1, answer: 1 })
    .lean();
  if (message && String(message.tenantId) !== data.tenantId) return 0;
  const passageSourceIds = message?.answer?.passages?.map((p) => p.sourceId) ?? [];
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
    try {
      await GapAnswerHitModel.create({
        _id: gapHitId(view.id, data.messageId),
        tenantId,
        gapAnswerId: entry._id,
        messageId: new Types.ObjectId(data.messageId),
        conversationId: new Types.ObjectId(data.conversationId),
        at: answer.at,
      });
      counted++;
    } catch (error) {
      // Already counted (a retry, or the same event delivered twice): the unique `_id` says so.
      if ((error as { code?: number }).code !== 11000) throw error;
    }
  }
  return counted;
}

export function gapJobs(_services: JobServices): QueueHandlers<'gaps'> {
  return { countAnswer: async (job) => ({ counted: await countGapAnswer(job.data) }) };
}
