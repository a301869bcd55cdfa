import { DateTime } from 'luxon';
import mongoose, { Types } from 'mongoose';

/** A thread to erase, with what finds its records kept elsewhere (its insight day, its user). */
export interface ThreadRef {
  id: Types.ObjectId;
  userId: Types.ObjectId;
  courseId?: Types.ObjectId;
  createdAt: Date;
}

/** What erasing some threads removed: documents per collection, and ids the queue and Redis cleanup need. */
export interface ThreadErasure {
  removed: Record<string, number>;
  /** Notification deliveries of the threads (their `notify-deliver-<id>` jobs go too). */
  deliveryIds: string[];
}

const db = () => {
  const handle = mongoose.connection.db;
  if (!handle) throw new Error('MongoDB is not connected');
  return handle;
};

const add = (removed: Record<string, number>, collection: string, count: number) => {
  removed[collection] = (removed[collection] ?? 0) + count;
};

/**
 * Deletes every record of some threads of one tenant: messages and notes, their events, SLA clocks, follow-up
 * records and claims, thread pointers, leads, labelled misses, topic assignments (topics left without a
 * member go, the others get their count), gap answers and hits, kept gap replies, notification deliveries,
 * dead letters and thread links, the audit log's entries about them, and the threads' facts in the insight
 * days. The conversations themselves go
 * last, so an interrupted run finds the same threads again and finishes (every step is idempotent).
 *
 * Filters other than `_id` scan on FerretDB: this runs in background jobs and admin actions only, a batch of
 * threads per call (the caller's batch size bounds the `$in` lists).
 */
export async function eraseThreadRecords(
  tenantId: Types.ObjectId,
  threads: readonly ThreadRef[],
  timeZone = 'UTC',
): Promise<ThreadErasure> {
  const removed: Record<string, number> = {};
  if (!threads.length) return { removed, deliveryIds: [] };
  const ids = threads.map((thread) => thread.id);
  const idStrings = ids.map(String);
  const tenantString = String(tenantId);
  const col = (name: string) => db().collection(name);
  const drop = async (name: string, filter: Record<string, unknown>) =>
    add(removed, name, (await col(name).deleteMany(filter)).deletedCount);

  const deliveryIds = await threadDeliveryIds(tenantString, idStrings);

  await drop('messages', { tenantId, conversationId: { $in: ids } });
  await drop('events', { tenantId, conversationId: { $in: ids } });
  await drop('sla_clocks', { _id: { $in: ids } });
  await drop('follow_up_records', { _id: { $in: ids } });
  // Claim ids are `<conversation>-<version>`.
  await drop('follow_up_claims', {
    tenantId,
    _id: { $regex: `^(${idStrings.join('|')})-` },
  });
  await drop('thread_pointers', { tenantId, conversationId: { $in: ids } });
  await drop('leads', { tenantId, conversationId: { $in: ids } });
  await drop('labelled_misses', { tenantId, conversationId: { $in: ids } });

  // Topic rows: their member counts follow; a topic whose last member went is removed (its label and terms
  // were drawn from these questions).
  const topicIds = await col('topic_assignments').distinct('topicId', {
    tenantId,
    conversationId: { $in: ids },
  });
  await drop('topic_assignments', { tenantId, conversationId: { $in: ids } });
  for (const topicId of topicIds) {
    if (!topicId) continue;
    const left = await col('topic_assignments').countDocuments({ tenantId, topicId });
    if (left === 0) await drop('topics', { _id: topicId, tenantId });
    else await col('topics').updateOne({ _id: topicId, tenantId }, { $set: { memberCount: left } });
  }

  const gapAnswers = (
    await col('gap_answers')
      .find({ tenantId, conversationId: { $in: ids } }, { projection: { _id: 1 } })
      .toArray()
  ).map((row) => row._id);
  await drop('gap_answer_hits', { tenantId, conversationId: { $in: ids } });
  if (gapAnswers.length) await drop('gap_answer_hits', { tenantId, gapAnswerId: { $in: gapAnswers } });
  await drop('gap_answers', { tenantId, conversationId: { $in: ids } });
  await drop('gap_replies', { _id: { $in: ids }, tenantId });

  if (deliveryIds.length) {
    await drop('notification_deliveries', { _id: { $in: deliveryIds } } as never);
    await drop('notification_dead_letters', { _id: { $in: deliveryIds } } as never);
  }
  await drop('notification_links', { tenantId: tenantString, conversationId: { $in: idStrings } });
  // The audit log's entries about these threads (who claimed, replied, resolved): they point at nothing now.
  await drop('inbox_audit', { tenantId, conversationId: { $in: ids } });

  add(removed, 'insight_days', await forgetInsightFacts(tenantString, threads, timeZone));

  await drop('conversations', { tenantId, _id: { $in: ids } });
  return { removed, deliveryIds };
}

/** The notification deliveries of some threads (their `notify-deliver-<id>` jobs name them). */
export async function threadDeliveryIds(
  tenantId: string,
  conversationIds: readonly string[],
): Promise<string[]> {
  if (!conversationIds.length) return [];
  const rows = await db()
    .collection('notification_deliveries')
    .find({ tenantId, conversationId: { $in: [...conversationIds] } }, { projection: { _id: 1 } })
    .toArray();
  return rows.map((row) => String(row._id));
}

/**
 * Removes the threads' facts from the insight days (`<tenant>-<date>`, the day the thread started in the
 * tenant's zone; the neighbouring days too, should the zone have changed since). Read and written by `_id`.
 * Returns how many threads' facts were removed. The month summaries keep their counts: they hold numbers
 * only, no thread or person.
 */
async function forgetInsightFacts(
  tenantId: string,
  threads: readonly ThreadRef[],
  timeZone: string,
): Promise<number> {
  const byDay = new Map<string, string[]>();
  for (const thread of threads) {
    const start = DateTime.fromJSDate(thread.createdAt, { zone: timeZone });
    const local = start.isValid ? start : DateTime.fromJSDate(thread.createdAt, { zone: 'UTC' });
    for (const shift of [-1, 0, 1]) {
      const day = `${tenantId}-${local.plus({ days: shift }).toISODate()}`;
      byDay.set(day, [...(byDay.get(day) ?? []), String(thread.id)]);
    }
  }
  const days = db().collection<{ _id: string; threads?: Record<string, unknown> }>('insight_days');
  let forgotten = 0;
  for (const [dayId, threadIds] of byDay) {
    const day = await days.findOne({ _id: dayId }, { projection: { _id: 1, threads: 1 } });
    const present = threadIds.filter((id) => day?.threads && id in day.threads);
    if (!present.length) continue;
    await days.updateOne(
      { _id: dayId },
      { $unset: Object.fromEntries(present.map((id) => [`threads.${id}`, ''])) },
    );
    forgotten += present.length;
  }
  return forgotten;
}

/** Reads a tenant's threads matching a filter in batches of `size` (oldest first by `_id`). */
export async function* threadBatches(
  tenantId: Types.ObjectId,
  filter: Record<string, unknown>,
  size: number,
): AsyncGenerator<ThreadRef[]> {
  let after: Types.ObjectId | undefined;
  for (;;) {
    const rows = await db()
      .collection('conversations')
      .find(
        { ...filter, tenantId, ...(after ? { _id: { $gt: after } } : {}) },
        { projection: { _id: 1, user: 1, courseId: 1, createdAt: 1 } },
      )
      .sort({ _id: 1 })
      .limit(size)
      .toArray();
    if (!rows.length) return;
    yield rows.map((row) => ({
      id: row._id as Types.ObjectId,
      userId: new Types.ObjectId(String(row.user?.userId)),
      ...(row.courseId ? { courseId: row.courseId as Types.ObjectId } : {}),
      createdAt: (row.createdAt as Date | undefined) ?? (row._id as Types.ObjectId).getTimestamp(),
    }));
    after = rows[rows.length - 1]?._id as Types.ObjectId;
    if (rows.length < size) return;
  }
}
