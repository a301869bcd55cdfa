import type { AuditLog } from './audit-log.js';
import type { InboxSettings } from './inbox.models.js';
import { requireOwnPeople } from './own-records.js';
import { requireLead } from './permissions.js';
import type { StaffContext } from './staff-context.js';

export interface LeadSettings {
  leadRoles: string[];
  leadUserIds: string[];
}

/**
 * A tenant's inbox settings (stored with `_id` = the tenant id, so read through the `_id` index). The
 * MongoDB adapter is in src/storage/inbox.
 */
export interface InboxSettingsStore {
  read(tenantId: string): Promise<InboxSettings | null>;
  write(tenantId: string, settings: LeadSettings): Promise<void>;
}

/** Who is an inbox lead (leads only). */
export class InboxSettingsAdmin {
  constructor(
    private readonly deps: {
      settings: InboxSettingsStore;
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
    await requireOwnPeople(ctx.tenantId, leadUserIds, 'leadUserIds');
    const leadRoles = [...new Set(input.leadRoles.map((r) => r.trim()).filter(Boolean))];
    await this.deps.settings.write(ctx.tenantId, { leadRoles, leadUserIds });
    this.deps.onChange();
    this.deps.audit.record(ctx, 'settings.update', undefined, { leadRoles, leadUserIds });
    return { leadRoles, leadUserIds };
  }
}
