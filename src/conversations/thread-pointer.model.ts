import { model, Schema, type Types } from 'mongoose';
import { stableObjectId } from '../lib/ids.js';

/**
 * The thread a person most recently had open in a course: the one holding the open key now, or the last
 * one resolved. Its `_id` derives from (tenant, user, course), so a first visit finds a returning learner's
 * thread with one `_id` read, where a query by user would read every thread on FerretDB.
 */
export interface ThreadPointer {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  userId: Types.ObjectId;
  courseId?: Types.ObjectId;
  conversationId: Types.ObjectId;
  updatedAt: Date;
}

const threadPointerSchema = new Schema<ThreadPointer>(
  {
    tenantId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    courseId: Schema.Types.ObjectId,
    conversationId: { type: Schema.Types.ObjectId, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'thread_pointers', versionKey: false },
);

export const ThreadPointerModel = model<ThreadPointer>('ThreadPointer', threadPointerSchema);

/** The pointer's `_id` for a person in a course (or outside any course). */
export const threadPointerId = (tenantId: string, userId: string, courseId?: string): Types.ObjectId =>
  stableObjectId('thread-pointer', tenantId, userId, courseId ?? '-');

/** The pointer that names a thread as the person's latest in its course (what an upsert sets on insert). */
export function threadPointerOf(thread: {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  courseId?: Types.ObjectId;
  user: { userId: Types.ObjectId };
}): Omit<ThreadPointer, 'updatedAt'> {
  return {
    _id: threadPointerId(
      String(thread.tenantId),
      String(thread.user.userId),
      thread.courseId && String(thread.courseId),
    ),
    tenantId: thread.tenantId,
    userId: thread.user.userId,
    ...(thread.courseId ? { courseId: thread.courseId } : {}),
    conversationId: thread._id,
  };
}
