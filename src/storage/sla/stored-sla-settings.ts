import type { ReplyPolicyProvider } from '../../sla/reply-policy.js';
import { tenantReplyPolicies } from '../../sla/reply-policy.js';
import type { TenantSlaProvider } from '../../sla/sla-plan.js';
import type { SlaSettings } from '../../sla/sla-settings.model.js';
import { loadSlaSettings, tenantSlas } from '../../sla/tenant-sla.js';
import { MongoSlaSettingsStore } from './mongo-sla-settings-store.js';

/** The tenants' SLA settings as the product keeps them (MongoDB); the store holds no state, so one serves all. */
export const slaSettingsStore = new MongoSlaSettingsStore();

/** A tenant's stored SLA settings and version, or its defaults (version 0). */
export function loadStoredSlaSettings(
  tenantId: string,
): Promise<{ settings: SlaSettings; version: number; updatedAt?: Date }> {
  return loadSlaSettings(tenantId, slaSettingsStore);
}

/** Each tenant's SLA from its stored settings (see `tenantSlas`). */
export function storedTenantSlas(options: { cacheMs?: number } = {}): TenantSlaProvider {
  return tenantSlas({ ...options, store: slaSettingsStore });
}

/** Reply policies from each tenant's stored SLA settings (see `tenantReplyPolicies`). */
export function storedReplyPolicies(options: { cacheMs?: number } = {}): ReplyPolicyProvider {
  return tenantReplyPolicies({ ...options, store: slaSettingsStore });
}
