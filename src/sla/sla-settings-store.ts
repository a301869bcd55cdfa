import type { SlaSettings, StoredSlaSettings } from './sla-settings.model.js';

/**
 * Where each tenant's SLA settings are kept (one versioned document per tenant) and the tenant's own zone
 * for the defaults. The MongoDB adapter is in src/storage/sla.
 */
export interface SlaSettingsStore {
  read(tenantId: string): Promise<StoredSlaSettings | null>;
  /** The zone the tenant was created with (the defaults' zone), if any. */
  tenantZone(tenantId: string): Promise<string | undefined>;
  /**
   * Stores `settings` as version `readVersion + 1`, only if the stored version is still `readVersion`
   * (0: nothing stored yet). Null when someone saved in between (nothing is written then).
   */
  save(
    tenantId: string,
    settings: SlaSettings,
    readVersion: number,
    actorId?: string,
  ): Promise<StoredSlaSettings | null>;
}
