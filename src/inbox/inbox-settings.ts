import { objectId } from '../events/ids.js';
import type { AuditLog } from './audit-log.js';
import { type InboxSettings, InboxSettingsModel } from './inbox.models.js';
import { requireLead } from './permissions.js';
import type { StaffContext } from './staff-context.js';

export interface LeadSettings {
  leadRoles: string[];
  leadUserIds: string[];
}

/** Reads a tenant's inbox settings (stored with `_id` = the tenant id, so read through the `_id` index). */
export interface InboxSettingsReader {
  read(tenantId: string): Promise<InboxSettings | null>;
}

export const storedInboxSettings: InboxSettingsReader = {
  read: (tenantId) => InboxSettingsModel.findById(objectId(tenantId, 'Tenant')).lean<InboxSettings>().exec(),
};

/** Who is an inbox lead (leads only). */
export class InboxSettingsAdmin {
  constructor(
    private readonly deps: {
      settings: InboxSettingsReader;
      audit: AuditLog;
      /** Called after a save: cached lead decisions are stale. */
      onChange: () => void;
    },
  ) {}

  async get(ctx: StaffContext): Promise<LeadSettings> {
    requireLead(ctx);
    const settings = await this.deps.settings.read(ctx.tenantId);
    return { leadRoles: settings?.leadRoles ?? [], leadUserIds: settings?.leadUserIds ?? [] };
  }

  /** Who is a lead. A lead cannot remove their own permission by mistake (they stay listed). */
  async put(ctx: StaffContext, input: LeadSettings): Promise<LeadSettings> {
    requireLead(ctx);
    const leadUserIds = [...new Set(input.leadUserIds)];
    const leadRoles = [...new Set(input.leadRoles.map((r) => r.trim()).filter(Boolean))];
    await InboxSettingsModel.updateOne(
      { _id: objectId(ctx.tenantId, 'Tenant') },
      { $set: { leadRoles, leadUserIds, updatedAt: new Date() } },
      { upsert: true },
    );
    this.deps.onChange();
    this.deps.audit.record(ctx, 'settings.update', undefined, { leadRoles, leadUserIds });
    return { leadRoles, leadUserIds };
  }
}
