import { objectId } from '../../events/ids.js';
import { type SlaSettings, SlaSettingsModel, type StoredSlaSettings } from '../../sla/sla-settings.model.js';
import type { SlaSettingsStore } from '../../sla/sla-settings-store.js';
import { TenantModel } from '../../tenants/tenant.model.js';

/** SLA settings in MongoDB, `_id` = the tenant id (read through FerretDB's `_id` index), one conditional write per save. */
export class MongoSlaSettingsStore implements SlaSettingsStore {
  read(tenantId: string): Promise<StoredSlaSettings | null> {
    return SlaSettingsModel.findById(objectId(tenantId, 'Tenant')).lean<StoredSlaSettings>().exec();
  }

  async tenantZone(tenantId: string): Promise<string | undefined> {
    const tenant = await TenantModel.findById(objectId(tenantId, 'Tenant'), { timeZone: 1 }).lean();
    return tenant?.timeZone;
  }

  async save(
    tenantId: string,
    settings: SlaSettings,
    readVersion: number,
    actorId?: string,
  ): Promise<StoredSlaSettings | null> {
    const _id = objectId(tenantId, 'Tenant');
    const version = readVersion + 1;
    try {
      if (readVersion === 0) {
        // First save: a unique _id makes a concurrent first save fail instead of overwriting.
        const created = await SlaSettingsModel.create({ _id, version, ...settings, updatedBy: actorId });
        return created.toObject() as StoredSlaSettings;
      }
      return await SlaSettingsModel.findOneAndUpdate(
        { _id, version: readVersion },
        { $set: { ...settings, version, updatedBy: actorId, updatedAt: new Date() } },
        { returnDocument: 'after', lean: true },
      );
    } catch (error) {
      // The concurrent first save got there first.
      if ((error as { code?: number }).code === 11000) return null;
      throw error;
    }
  }
}
