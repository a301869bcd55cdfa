import { expect } from 'chai';
import { Types } from 'mongoose';
import { ConversationModel } from '../../src/conversations/conversation.model.js';
import type { EventName } from '../../src/events/catalog.js';
import { EventModel } from '../../src/events/event.model.js';
import { SlaClockModel } from '../../src/sla/sla-clock.model.js';
import { SlaSettingsModel } from '../../src/sla/sla-settings.model.js';
import { defaultSlaSettings, invalidateTenantSla } from '../../src/sla/tenant-sla.js';
import { startTestApp, type TestApp, testEnv } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { api } from '../support/people.js';
import { type RunningProcess, runEntry } from '../support/processes.js';
import { testServices } from '../support/services.js';
import { launchPerson } from '../support/sla.js';

/**
 * Two worker processes started as `npm run start:worker` starts one, with the tenant's own stored SLA
 * settings (written directly with a first-response target of 3 s of calendar time: the settings page only
 * takes whole minutes). Each timer fires once, and each SLA event is stored once.
 */
describe('SLA timers with two worker processes', function () {
  this.timeout(180_000);
  let app: TestApp;
  const workers: RunningProcess[] = [];

  before(async () => {
    const prefix = `${(await testServices()).redisPrefix}-sla2p`;
    app = await startTestApp({ env: { REDIS_PREFIX: prefix } });
    const env = await testEnv({ LOG_LEVEL: 'info', REDIS_PREFIX: prefix });
    workers.push(runEntry('src/bin/worker.ts', env), runEntry('src/bin/worker.ts', env));
    await Promise.all(workers.map((worker) => worker.waitFor(/workers started/, 60_000)));
  });
  after(async function () {
    if (this.currentTest?.state === 'failed' || process.env.SLA_TEST_OUTPUT)
      for (const worker of workers) console.log(worker.output().slice(-6000));
    await Promise.all(workers.map((worker) => worker.stop()));
    await app?.stop();
  });

  it('a handoff breaches once: one sla.breached, one warning, one first escalation step per thread', async () => {
    const first = await launchPerson(app, 'learner', 'Procs');
    const settings = defaultSlaSettings('America/New_York');
    for (const policy of settings.policies)
      for (const targets of Object.values(policy.targets))
        targets.first_response = { minutes: 3 / 60, clock: 'calendar' };
    const now = new Date();
    await SlaSettingsModel.collection.replaceOne(
      { _id: new Types.ObjectId(first.tenantId) },
      { ...settings, _id: new Types.ObjectId(first.tenantId), version: 1, createdAt: now, updatedAt: now },
      { upsert: true },
    );
    // Written past the settings service, so nothing told this process (whose web side promises the reply-by)
    // to drop a copy of the tenant's SLA that an earlier test of the run may have cached seconds ago.
    invalidateTenantSla(first.tenantId);
    const threads: string[] = [];
    for (let i = 0; i < 3; i++) {
      const learner = i === 0 ? first : await launchPerson(app, 'learner', `Procs${i}`);
      const opened = await api(app, learner, '/api/chat');
      const conversationId = opened.body.conversation.id as string;
      const handoff = await api(app, learner, '/api/chat/handoff', {
        method: 'POST',
        body: { conversationId },
      });
      expect(handoff.status).to.equal(200);
      // The learner was promised the short target: the web process read the stored settings too.
      const replyBy = (await ConversationModel.findById(conversationId).lean())?.replyBy;
      expect((replyBy?.getTime() ?? Number.POSITIVE_INFINITY) - Date.now()).to.be.below(60_000);
      threads.push(conversationId);
    }
    const count = (conversationId: string, name: EventName) =>
      EventModel.countDocuments({ conversationId: new Types.ObjectId(conversationId), name });
    // A worker process may have read the tenant's SLA (cached up to 5 s) just before the save: the save's
    // retime job (as the settings service enqueues it) brings every running clock to the new targets.
    for (const conversationId of threads)
      await eventually(
        async () => (await SlaClockModel.findById(conversationId).lean())?.active,
        'the clocks to start',
      );
    await app.runtime.queues.enqueue(
      'sla',
      'retime',
      { tenantId: first.tenantId, version: 1 },
      { jobId: `sla-retime-${first.tenantId}-1` },
    );
    for (const conversationId of threads) {
      await eventually(
        async () => (await count(conversationId, 'sla.escalated')) >= 1,
        'breach and first escalation step',
        60_000,
      );
      expect(await count(conversationId, 'sla.breached')).to.equal(1);
      expect(await count(conversationId, 'sla.warned')).to.equal(1);
      expect(await count(conversationId, 'sla.escalated')).to.equal(1);
    }
    for (const worker of workers) expect(worker.output()).not.to.match(/"level":50/);
  });
});
