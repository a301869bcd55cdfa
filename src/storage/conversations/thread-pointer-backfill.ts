import type { AnyBulkWriteOperation } from 'mongodb';
import type { Types } from 'mongoose';
import { ConversationModel } from '../../conversations/conversation.model.js';
import {
  ThreadPointerModel,
  threadPointerId,
  threadPointerOf,
} from '../../conversations/thread-pointer.model.js';

type Row = {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  courseId?: Types.ObjectId;
  user?: { userId?: Types.ObjectId };
  openKey: string;
  resolvedAt?: Date;
  updatedAt?: Date;
};

const BATCH = 1000;

/**
 * Gives every person's course a thread pointer where threads exist without one: the thread holding the
 * open key, else the one resolved last. Pointers already there are left alone, so running it again, or beside live traffic, changes nothing that is right.
 */
export async function backfillThreadPointers(): Promise<{ threads: number; pointed: number }> {
  const latest = new Map<string, { pointer: ReturnType<typeof threadPointerOf>; rank: number }>();
  let threads = 0;
  const cursor = ConversationModel.find(
    {},
    { tenantId: 1, courseId: 1, 'user.userId': 1, openKey: 1, resolvedAt: 1, updatedAt: 1 },
  )
    .lean<Row[]>()
    .cursor({ batchSize: 2000 });
  for await (const row of cursor) {
    threads++;
    const userId = row.user?.userId;
    if (!userId || !row.tenantId) continue;
    const key = String(
      threadPointerId(String(row.tenantId), String(userId), row.courseId && String(row.courseId)),
    );
    const rank = row.openKey.startsWith('open:')
      ? Number.POSITIVE_INFINITY
      : ((row.resolvedAt ?? row.updatedAt)?.getTime() ?? 0);
    const best = latest.get(key);
    if (!best || rank > best.rank)
      latest.set(key, { pointer: threadPointerOf({ ...row, user: { userId } }), rank });
  }
  // Only the missing ones are written: a run after the first costs two reads and no write.
  for await (const pointer of ThreadPointerModel.find({}, { _id: 1 }).lean().cursor({ batchSize: 5000 }))
    latest.delete(String(pointer._id));
  let pointed = 0;
  let batch: AnyBulkWriteOperation[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const result = await ThreadPointerModel.collection.bulkWrite(batch, { ordered: false });
    pointed += result.upsertedCount;
    batch = [];
  };
  for (const { pointer } of latest.values()) {
    const { _id, ...fields } = pointer;
    batch.push({
      updateOne: {
        filter: { _id },
        update: { $setOnInsert: { ...fields, updatedAt: new Date() } },
        upsert: true,
      },
    });
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return { threads, pointed };
}
