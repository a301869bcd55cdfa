import { model, Schema, type Types } from 'mongoose';

/** An institution. Every record the product keeps carries a tenant id. */
export interface Tenant {
  _id: Types.ObjectId;
  name: string;
  /** IANA time zone for staff hours and reply-by times. */
  timeZone: string;
  /** Default language when a launch carries none. */
  locale: string;
  /**
   * LTI role URIs (or short names) that count as product admins for this institution; empty uses the
   * standard set (system/institution administrators).
   */
  adminRoles: string[];
  /**
   * Days a finished thread is kept after its last activity (Settings → Data and privacy); unset or null
   * keeps threads (see src/maintenance/conversation-retention.ts).
   */
  retentionDays?: number | null;
  createdAt: Date;
  updatedAt: Date;
}

const tenantSchema = new Schema<Tenant>(
  {
    name: { type: String, required: true, trim: true, maxlength: 200 },
    timeZone: { type: String, required: true, default: 'UTC' },
    locale: { type: String, required: true, default: 'en' },
    adminRoles: { type: [String], default: [] },
    retentionDays: { type: Number, min: 1, max: 3650, default: null },
  },
  { collection: 'tenants', timestamps: true, versionKey: false },
);

export const TenantModel = model<Tenant>('Tenant', tenantSchema);
