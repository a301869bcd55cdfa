import { Types } from 'mongoose';
import type { JobPayloads } from '../jobs/queues.js';
import { retimeClocks, sameClocks } from './clock.js';
import type { SlaEngine } from './clock-engine.js';
import { SlaClockModel } from './sla-clock.model.js';
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
  if (!Types.ObjectId.isValid(data.tenantId)) return { retimed: 0 };
  // A rare, tenant-wide operation: the one query over the tenant's clocks.
  const clocks = await SlaClockModel.find(
    { tenantId: new Types.ObjectId(data.tenantId), active: true },
    { _id: 1 },
  ).lean();
  let retimed = 0;
  for (const { _id } of clocks) {
    const conversationId = String(_id);
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
