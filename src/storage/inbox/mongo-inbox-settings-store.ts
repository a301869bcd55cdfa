import { objectId } from '../../events/ids.js';
import { type InboxSettings, InboxSettingsModel } from '../../inbox/inbox.models.js';
import type { InboxSettingsStore, LeadSettings } from '../../inbox/inbox-settings.js';

/** Inbox settings in MongoDB, one document per tenant with `_id` = the tenant id. */
export class MongoInboxSettingsStore implements InboxSettingsStore {
  read(tenantId: string): Promise<InboxSettings | null> {
    return InboxSettingsModel.findById(objectId(tenantId, 'Tenant')).lean<InboxSettings>().exec();
  }

  async write(tenantId: string, settings: LeadSettings): Promise<void> {
    await InboxSettingsModel.updateOne(
      { _id: objectId(tenantId, 'Tenant') },
      { $set: { ...settings, updatedAt: new Date() } },
      { upsert: true },
    );
  }
}
