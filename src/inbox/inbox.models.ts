import { model, type mongo, Schema, Types } from 'mongoose';

/** A team of staff; threads route to it by course or category (see {@link routeTeam}). */
export interface Team {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  name: string;
  memberIds: Types.ObjectId[];
  courseIds: Types.ObjectId[];
  categories: string[];
  /** Set on a course's instructor team, kept in step with the LMS member list (NRPS). */
  courseTeamOf?: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
}

const teamSchema = new Schema<Team>(
  {
    tenantId: { type: Schema.Types.ObjectId, required: true },
    name: { type: String, required: true, trim: true, maxlength: 100 },
    memberIds: { type: [Schema.Types.ObjectId], default: [] },
    courseIds: { type: [Schema.Types.ObjectId], default: [] },
    categories: { type: [String], default: [] },
    courseTeamOf: { type: Schema.Types.ObjectId },
  },
  { collection: 'inbox_teams', timestamps: true, versionKey: false },
);
teamSchema.index({ tenantId: 1, name: 1 }, { unique: true });
export const TeamModel = model<Team>('InboxTeam', teamSchema);

/** A saved reply with {{variables}}, per tenant. */
export interface CannedReply {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  title: string;
  text: string;
  createdAt: Date;
  updatedAt: Date;
}

const cannedSchema = new Schema<CannedReply>(
  {
    tenantId: { type: Schema.Types.ObjectId, required: true },
    title: { type: String, required: true, trim: true, maxlength: 120 },
    text: { type: String, required: true, maxlength: 10_000 },
  },
  { collection: 'inbox_canned_replies', timestamps: true, versionKey: false },
);
cannedSchema.index({ tenantId: 1, title: 1 });
export const CannedReplyModel = model<CannedReply>('InboxCannedReply', cannedSchema);

/** One admin action, kept for the audit log (purged by the retention job, not a TTL index). */
export interface AuditEntry {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  at: Date;
  actor: { userId: string; name?: string; role: string };
  action: string;
  conversationId?: Types.ObjectId;
  launchId: string;
  details: Record<string, unknown>;
}

const auditSchema = new Schema<AuditEntry>(
  {
    tenantId: { type: Schema.Types.ObjectId, required: true },
    at: { type: Date, required: true },
    actor: { type: Schema.Types.Mixed, required: true },
    action: { type: String, required: true },
    conversationId: Schema.Types.ObjectId,
    launchId: { type: String, required: true },
    details: { type: Schema.Types.Mixed, default: {} },
  },
  { collection: 'inbox_audit', versionKey: false, minimize: false },
);
auditSchema.index({ tenantId: 1, _id: -1 });
auditSchema.index({ at: 1 });
export const AuditModel = model<AuditEntry>('InboxAudit', auditSchema);

/** The audit collection as the driver sees it (entries are written in batches: see AuditTrail). */
export const auditCollection = () => AuditModel.collection as unknown as mongo.Collection;

/** An audit entry with its id chosen before it is written (a retried write is then recognised as stored). */
export const newAuditEntry = (entry: Omit<AuditEntry, '_id'>): AuditEntry => ({
  _id: new Types.ObjectId(),
  ...entry,
});

/**
 * Inbox settings of a tenant, stored with `_id` = the tenant id (FerretDB reads it through the _id index).
 * `leadRoles` (LTI role URIs) and `leadUserIds` name who has the lead permission; with both empty the
 * default applies: the LTI institution or system Administrator roles (see {@link isLead}).
 */
export interface InboxSettings {
  _id: Types.ObjectId;
  leadRoles: string[];
  leadUserIds: string[];
  updatedAt: Date;
}

const settingsSchema = new Schema<InboxSettings>(
  {
    leadRoles: { type: [String], default: [] },
    leadUserIds: { type: [String], default: [] },
    updatedAt: { type: Date, default: Date.now },
  },
  { collection: 'inbox_settings', versionKey: false },
);
export const InboxSettingsModel = model<InboxSettings>('InboxSettings', settingsSchema);
