import { expect } from 'chai';
import { expiredThreadFilter } from '../../../src/maintenance/conversation-retention.js';
import { retentionDaysSchema } from '../../../src/privacy/retention-setting.js';
import { jobMatches } from '../../../src/storage/privacy/queued-jobs.js';

describe('data rights rules', () => {
  describe('which queued jobs an erasure removes', () => {
    const tenantId = 'a'.repeat(24);
    const thread = 'b'.repeat(24);
    const job = (data: Record<string, unknown>) => ({ data });

    it('removing a tenant takes every job naming the tenant, and its deliveries', () => {
      const match = { tenantId, wholeTenant: true, deliveryIds: new Set(['d1']) };
      expect(jobMatches(job({ tenantId, seq: 4 }), match)).to.equal(true);
      expect(jobMatches(job({ tenantId: 'c'.repeat(24), seq: 4 }), match)).to.equal(false);
      expect(jobMatches(job({ deliveryId: 'd1' }), match)).to.equal(true);
      expect(jobMatches(job({ deliveryId: 'd2' }), match)).to.equal(false);
    });

    it('erasing threads takes their timers and follow-ups, never another thread’s or tenant’s', () => {
      const match = { tenantId, conversationIds: new Set([thread]) };
      expect(jobMatches(job({ tenantId, conversationId: thread, target: 'resolution' }), match)).to.equal(
        true,
      );
      expect(jobMatches(job({ tenantId, conversationId: 'e'.repeat(24) }), match)).to.equal(false);
      // The same thread id under another tenant (impossible in practice) is not taken either.
      expect(jobMatches(job({ tenantId: 'c'.repeat(24), conversationId: thread }), match)).to.equal(false);
      // A tenant-wide job (the insights projector) stays.
      expect(jobMatches(job({ tenantId }), match)).to.equal(false);
    });
  });

  it('retention deletes finished threads only, judged by their last message and last change', () => {
    const cutoff = new Date('2026-01-01T00:00:00Z');
    expect(expiredThreadFilter(cutoff)).to.deep.equal({
      status: { $in: ['resolved', 'bot'] },
      lastMessageAt: { $lt: cutoff },
      updatedAt: { $lt: cutoff },
    });
  });

  it('retention days: whole days from 1 to 3650, or null to keep threads', () => {
    for (const ok of [null, 1, 30, 3650])
      expect(retentionDaysSchema.safeParse(ok).success, String(ok)).to.equal(true);
    for (const bad of [0, -1, 2.5, 3651, '30', undefined])
      expect(retentionDaysSchema.safeParse(bad).success, String(bad)).to.equal(false);
  });
});
