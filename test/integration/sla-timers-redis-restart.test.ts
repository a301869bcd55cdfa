import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { type EmbeddedServices, startEmbeddedServices } from '../../src/app/embedded-services.js';
import type { DomainEvent } from '../../src/events/catalog.js';
import { EventModel } from '../../src/events/event.model.js';
import { type SlaClockDoc, SlaClockModel } from '../../src/sla/sla-clock.model.js';
import type { TenantSla } from '../../src/sla/sla-plan.js';
import { sweepTimers } from '../../src/sla/sweep.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { api } from '../support/people.js';
import { quietLogger } from '../support/services.js';
import { launchPerson, type SlaWorkers, startSlaWorkers, testTenantSla } from '../support/sla.js';

/** The same calendar-time targets (seconds) for every priority. */
function uniform(first: number): TenantSla {
  const set = { first_response: first / 60, resolution: 10 };
  return testTenantSla({ targets: { low: set, normal: set, high: set, urgent: set } });
}

/**
 * Pending timers live in Redis (BullMQ delayed jobs). With AOF (production) they survive a Redis restart as
 * they are; without it (everything lost) the sweep rebuilds them from the clocks stored in the database.
 */
for (const persist of [true, false])
  describe(`SLA timers across a Redis restart (${persist ? 'AOF on: jobs survive' : 'no persistence: the sweep rebuilds them'})`, function () {
    this.timeout(120_000);
    let dataDir: string;
    let redis: EmbeddedServices;
    let port: number;
    let app: TestApp;
    let workers: SlaWorkers | undefined;
    const sla = uniform(6);

    before(async () => {
      dataDir = mkdtempSync(path.join(tmpdir(), 'chatref-sla-redis-'));
      redis = await startEmbeddedServices({
        dataDir,
        logger: quietLogger,
        mongo: false,
        redis: true,
        persistRedis: persist,
      });
      port = Number(new URL(redis.redisUrl as string).port);
      app = await startTestApp({ env: { REDIS_URL: redis.redisUrl as string } });
    });
    after(async () => {
      await workers?.stop();
      await app?.stop();
      await redis?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('a timer scheduled before the restart fires once after it', async () => {
      workers = await startSlaWorkers(app, async () => sla);
      await sweepTimers(workers.engine); // the pending set is built, as a running system has it
      const learner = await launchPerson(app, 'learner', persist ? 'Aof' : 'Lost');
      const opened = await api(app, learner, '/api/chat');
      const conversationId = opened.body.conversation.id as string;
      expect(
        (await api(app, learner, '/api/chat/handoff', { method: 'POST', body: { conversationId } })).status,
      ).to.equal(200);
      const clock = await eventually(async () => {
        const doc = await SlaClockModel.findById(conversationId).lean<SlaClockDoc>();
        return doc?.active ? doc : undefined;
      }, 'the clocks to start');
      const jobId = `sla-${conversationId}-first_response-1-breach`;
      await eventually(
        async () => (await app.runtime.queues.get('sla').getJob(jobId)) ?? undefined,
        'the breach job',
      );

      await workers.stop();
      workers = undefined;
      await redis.stop();
      redis = await startEmbeddedServices({
        dataDir,
        logger: quietLogger,
        mongo: false,
        redis: true,
        redisPort: port,
        persistRedis: persist,
      });
      await eventually(() => app.runtime.redis.status === 'ready', 'the app to reconnect');
      const survived = await app.runtime.queues.get('sla').getJob(jobId);
      expect(Boolean(survived), 'the breach job after the restart').to.equal(persist);

      workers = await startSlaWorkers(app, async () => sla);
      // The scheduled sweep's run (called here rather than waiting a minute for the job scheduler).
      const swept = await sweepTimers(workers.engine);
      expect(swept.rebuilt > 0).to.equal(!persist);
      const current = workers;
      const breached = await eventually(
        () =>
          current.events.find((e) => e.conversationId === conversationId && e.name === 'sla.breached') as
            | DomainEvent<'sla.breached'>
            | undefined,
        'the breach after the restart',
      );
      expect(breached.payload.dueAt).to.equal(clock.targets.first_response?.dueAt?.toISOString());
      await eventually(
        () => current.events.find((e) => e.conversationId === conversationId && e.name === 'sla.escalated'),
        'the first escalation step',
      );
      expect(await EventModel.countDocuments({ conversationId, name: 'sla.breached' })).to.equal(1);
    });
  });
