import { model, Schema, type Types } from 'mongoose';
import type { Priority } from '../conversations/conversation.types.js';
import type { NotifyTarget } from './handoff.types.js';

/** An admin-defined keyword rule of a tenant ("can't access" → Access, high, notify the LMS team). */
export interface KeywordRule {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  name?: string;
  kind: 'phrase' | 'regex';
  pattern: string;
  category: string;
  priority: Priority;
  notify: NotifyTarget[];
  enabled: boolean;
  /** Rules run in this order; the first match of the highest priority sets the category. */
  order: number;
  createdBy?: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
}

const notifySchema = new Schema<NotifyTarget>(
  {
    type: { type: String, enum: ['email', 'slack', 'teams', 'webhook', 'user'], required: true },
    target: { type: String, required: true, maxlength: 500 },
  },
  { _id: false },
);

const keywordRuleSchema = new Schema<KeywordRule>(
  {
    tenantId: { type: Schema.Types.ObjectId, required: true },
    name: { type: String, maxlength: 100 },
    kind: { type: String, enum: ['phrase', 'regex'], required: true },
    pattern: { type: String, required: true, maxlength: 200 },
    category: { type: String, required: true, maxlength: 60 },
    priority: { type: String, enum: ['low', 'normal', 'high', 'urgent'], required: true },
    notify: { type: [notifySchema], default: [] },
    enabled: { type: Boolean, default: true },
    order: { type: Number, default: 0 },
    createdBy: Schema.Types.ObjectId,
  },
  { collection: 'handoff_rules', timestamps: true, versionKey: false },
);
keywordRuleSchema.index({ tenantId: 1, order: 1 });

export const KeywordRuleModel = model<KeywordRule>('KeywordRule', keywordRuleSchema);
