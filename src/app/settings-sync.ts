import type { HandoffConfigService } from '../handoff/handoff-config.service.js';
import type { LiveBus } from '../live/live-bus.js';
import { onSettingsChange } from '../live/settings-channel.js';
import { invalidateTenantSla } from '../sla/tenant-sla.js';

/**
 * Drops this process's cached copy of a tenant's settings whenever any process saves them, so every web
 * and worker process uses a save at once, as a single process does.
 */
export function followSettingsChanges(
  bus: Pick<LiveBus, 'subscribe'>,
  caches: { handoff: Pick<HandoffConfigService, 'forget'> },
): () => void {
  return onSettingsChange(bus, (change) => {
    if (change.kind === 'sla') invalidateTenantSla(change.tenantId);
    else caches.handoff.forget(change.tenantId);
  });
}
