import { model, Schema, type Types } from 'mongoose';
import type { MessageAuthor, MessageCitation, MessageKind } from './conversation.types.js';

/** One message, note or status line of a conversation. */
export interface Message {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  conversationId: Types.ObjectId;
  author: MessageAuthor;
  authorId?: Types.ObjectId;
  authorName?: string;
  kind: MessageKind;
  /** Raw text as written; escaped by whatever renders it. */
  text: string;
  citations: MessageCitation[];
  confidence?: number;
  /** Chosen by the client (or the server for bot/system lines); retries with the same id never duplicate. */
  clientId: string;
  /** Notes are internal: never returned to, or published for, learners. */
  internal: boolean;
  /** For bot answers: the evidence and cost behind them (passages, scores, model, latency, tokens). */
  answer?: AnswerRecord;
  /** The learner's thumbs up or down on a bot answer. */
  feedback?: 'up' | 'down';
  createdAt: Date;
}

/** What the assistant used and spent for one answer (kept for review and insights, never shown to learners). */
export interface AnswerRecord {
  passages: Array<{ id: string; sourceId: string; score: number }>;
  mode: 'model' | 'extractive';
  model?: string | null;
  degraded: boolean;
  notCovered: boolean;
  latencyMs: number;
  tokens?: { prompt: number; completion: number };
}

const citationSchema = new Schema<MessageCitation>(
  { index: Number, title: String, url: String, path: String, heading: String },
  { _id: false },
);

const messageSchema = new Schema<Message>(
  {
    tenantId: { type: Schema.Types.ObjectId, required: true },
    conversationId: { type: Schema.Types.ObjectId, required: true },
    author: { type: String, enum: ['learner', 'bot', 'admin', 'system'], required: true },
    authorId: Schema.Types.ObjectId,
    authorName: String,
    kind: { type: String, enum: ['message', 'note', 'event'], required: true, default: 'message' },
    text: { type: String, required: true },
    citations: { type: [citationSchema], default: [] },
    confidence: Number,
    clientId: { type: String, required: true, maxlength: 100 },
    internal: { type: Boolean, required: true, default: false },
    answer: Schema.Types.Mixed,
    feedback: { type: String, enum: ['up', 'down'] },
    createdAt: { type: Date, required: true },
  },
  { collection: 'messages', versionKey: false },
);
// Idempotency: one message per client id in a conversation (also the lookup for retries).
messageSchema.index({ tenantId: 1, conversationId: 1, clientId: 1 }, { unique: true });
// Retries of a learner message that moved to a new thread in between are still recognised.
messageSchema.index({ tenantId: 1, authorId: 1, clientId: 1 });
// History in order.
messageSchema.index({ tenantId: 1, conversationId: 1, createdAt: 1, _id: 1 });

export const MessageModel = model<Message>('Message', messageSchema);
