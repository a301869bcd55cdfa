import { model, Schema, type Types } from 'mongoose';
import type { ProductRole } from '../users/user.model.js';

export type ProductFamily =
  | 'moodle'
  | 'canvas'
  | 'blackboard'
  | 'brightspace'
  | 'sakai'
  | 'openedx'
  | 'other';

/**
 * One accepted launch: who, from where, in which course, with what the LMS offered (services, deep
 * linking). Sessions point at it; the audit log and handoff cards quote it.
 */
export interface Launch {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  userId: Types.ObjectId;
  courseId?: Types.ObjectId;
  role: ProductRole;
  ltiRoles: string[];
  messageType: string;
  issuer: string;
  clientId: string;
  deploymentId: string;
  resourceLink?: { id: string; title?: string };
  platform: {
    guid?: string;
    name?: string;
    productFamily: ProductFamily;
    productFamilyCode?: string;
    version?: string;
  };
  custom: Record<string, unknown>;
  locale?: string;
  returnUrl?: string;
  documentTarget?: string;
  membershipsUrl?: string;
  deepLinkingSettings?: Record<string, unknown>;
  createdAt: Date;
}

const launchSchema = new Schema<Launch>(
  {
    tenantId: { type: Schema.Types.ObjectId, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    courseId: Schema.Types.ObjectId,
    role: { type: String, required: true },
    ltiRoles: [String],
    messageType: { type: String, required: true },
    issuer: { type: String, required: true },
    clientId: { type: String, required: true },
    deploymentId: { type: String, required: true },
    resourceLink: { id: String, title: String },
    platform: {
      guid: String,
      name: String,
      productFamily: { type: String, required: true },
      productFamilyCode: String,
      version: String,
    },
    custom: { type: Schema.Types.Mixed, default: {} },
    locale: String,
    returnUrl: String,
    documentTarget: String,
    membershipsUrl: String,
    deepLinkingSettings: Schema.Types.Mixed,
    createdAt: { type: Date, required: true, default: Date.now },
  },
  { collection: 'lti_launches', versionKey: false },
);
launchSchema.index({ tenantId: 1, userId: 1, createdAt: -1 });
launchSchema.index({ createdAt: 1 });

export const LaunchModel = model<Launch>('Launch', launchSchema);
