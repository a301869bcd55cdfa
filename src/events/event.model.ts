import { model, Schema, type Types } from 'mongoose';
import type { EventActor, EventName, EventVisibility } from './catalog.js';

/** A stored domain event (collection `events`): the replay log behind live channels and later listeners. */
export interface EventRecord {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  seq: number;
  name: EventName;
  conversationId?: Types.ObjectId;
  courseId?: Types.ObjectId;
  userId?: Types.ObjectId;
  visibility: EventVisibility;
  actor: EventActor;
  payload: Record<string, unknown>;
  createdAt: Date;
}

const eventSchema = new Schema<EventRecord>(
  {
    tenantId: { type: Schema.Types.ObjectId, required: true },
    seq: { type: Number, required: true },
    name: { type: String, required: true },
    conversationId: Schema.Types.ObjectId,
    courseId: Schema.Types.ObjectId,
    userId: Schema.Types.ObjectId,
    visibility: { type: String, enum: ['public', 'staff'], required: true },
    actor: { type: Schema.Types.Mixed, required: true },
    payload: { type: Schema.Types.Mixed, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'events', versionKey: false, minimize: false },
);
// The per-tenant sequence is unique: a duplicate seq would break SSE resume.
eventSchema.index({ tenantId: 1, seq: 1 }, { unique: true });
// Replay for one thread (learner reconnects).
eventSchema.index({ tenantId: 1, conversationId: 1, seq: 1 });

export const EventModel = model<EventRecord>('Event', eventSchema);
