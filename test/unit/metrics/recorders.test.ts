import type { Job } from 'bullmq';
import { expect } from 'chai';
import type { AnyDomainEvent } from '../../../src/events/catalog.js';
import { countDomainEvent } from '../../../src/metrics/events.js';
import { recordJobEnd, recordJobStart } from '../../../src/metrics/jobs.js';
import { registry } from '../../../src/metrics/registry.js';

/** A counter's value for these labels (0 when absent). */
async function value(name: string, labels: Record<string, string>): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  return (metric?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}

const handoff = (reasons: object[]) =>
  ({
    name: 'conversation.handed_off',
    tenantId: 't-secret-tenant',
    payload: { mode: 'live', reasons },
  }) as unknown as AnyDomainEvent;

describe('metrics recorders', () => {
  it('counts a handoff once and each of its reasons by code, never by rule name', async () => {
    const handoffsBefore = await value('chatref_handoffs_total', { mode: 'live' });
    const keywordBefore = await value('chatref_handoff_reasons_total', { reason: 'keyword_rule' });
    countDomainEvent(
      handoff([
        { code: 'keyword_rule', ruleName: 'Refund Jane Doe', matched: 'refund', category: 'billing' },
        { code: 'out_of_hours' },
      ]),
    );
    expect(await value('chatref_handoffs_total', { mode: 'live' })).to.equal(handoffsBefore + 1);
    expect(await value('chatref_handoff_reasons_total', { reason: 'keyword_rule' })).to.equal(
      keywordBefore + 1,
    );
    const text = await registry.metrics();
    expect(text).not.to.include('Refund Jane Doe');
    expect(text).not.to.include('t-secret-tenant');
  });

  it('counts SLA warnings and breaches by target and lateness', async () => {
    const before = await value('chatref_sla_breaches_total', { target: 'resolution', late: 'true' });
    countDomainEvent({
      name: 'sla.breached',
      payload: { target: 'resolution', late: true, dueAt: new Date().toISOString() },
    } as unknown as AnyDomainEvent);
    expect(await value('chatref_sla_breaches_total', { target: 'resolution', late: 'true' })).to.equal(
      before + 1,
    );
  });

  it("measures an SLA timer's lateness from its due time, first attempts only", async () => {
    const name = 'chatref_sla_timer_lateness_seconds';
    const count = async () =>
      (await registry.getSingleMetric(name)?.get())?.values.find(
        (v) => (v as { metricName?: string }).metricName === `${name}_count` && v.labels.stage === 'breach',
      )?.value ?? 0;
    const sum = async () =>
      (await registry.getSingleMetric(name)?.get())?.values.find(
        (v) => (v as { metricName?: string }).metricName === `${name}_sum` && v.labels.stage === 'breach',
      )?.value ?? 0;
    const [countBefore, sumBefore] = [await count(), await sum()];
    const due = Date.parse('2026-01-05T10:00:00Z');
    const job = {
      name: 'fire',
      attemptsMade: 0,
      timestamp: due - 60_000,
      delay: 60_000,
      processedOn: due + 1500,
      data: { dueAt: new Date(due).toISOString(), stage: 'breach' },
    } as unknown as Job;
    recordJobStart('sla', job);
    expect(await count()).to.equal(countBefore + 1);
    expect((await sum()) - sumBefore).to.be.closeTo(1.5, 1e-9);
    recordJobStart('sla', { ...job, attemptsMade: 1 } as unknown as Job);
    expect(await count(), 'a retry is late on purpose').to.equal(countBefore + 1);
  });

  it('counts failed job attempts by queue and job name', async () => {
    const labels = { queue: 'notify', job: 'deliver', outcome: 'failed' };
    const before = await value('chatref_jobs_finished_total', labels);
    recordJobEnd('notify', { name: 'deliver', processedOn: 1000, finishedOn: 1300 } as Job, 'failed');
    expect(await value('chatref_jobs_finished_total', labels)).to.equal(before + 1);
  });
});
