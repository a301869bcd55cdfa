import type { JobPayloads } from '../jobs/queues.js';
import { retimeClocks, sameClocks } from './clock.js';
import type { SlaEngine } from './clock-engine.js';
import { invalidateTenantSla } from './tenant-sla.js';

type Retime = JobPayloads['sla']['retime'];

/**
 * A tenant's calendar or policies changed: every running clock of the tenant gets its policy chosen again and
 * its due times recomputed (time used so far is kept), and its jobs move. Waits (by failing, so BullMQ retries)
 * until this process sees the saved settings' version.
 */
export async function retimeTenant(
  engine: SlaEngine,
  data: Retime,
  now = new Date(),
): Promise<{ retimed: number }> {
  // Another process saved the settings: this one's cached copy is dropped so the new version is read.
  invalidateTenantSla(data.tenantId);
  const sla = await engine.slas(data.tenantId);
  const seen = (sla as { version?: number }).version;
  if (typeof seen === 'number' && seen < data.version)
    throw new Error(`SLA settings version ${data.version} not visible yet (have ${seen})`);
  // A rare, tenant-wide operation: the one query over the tenant's clocks.
  const clocks = await engine.store.activeIn(data.tenantId);
  let retimed = 0;
  for (const conversationId of clocks) {
    const conversation = await engine.conversation(data.tenantId, conversationId);
    if (!conversation) continue;
    await engine.store.withClock(conversationId, async (loaded) => {
      if (!loaded?.state.active) return;
      const next = retimeClocks(loaded.state, now, sla);
      if (sameClocks(loaded.state, next)) return;
      await engine.commit(conversation, loaded, next, sla);
      retimed++;
    });
  }
  return { retimed };
}
