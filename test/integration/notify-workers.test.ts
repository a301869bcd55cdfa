import { expect } from 'chai';
import { requestNotifications } from '../../src/notify/notifier.js';
import { DeliveryModel } from '../../src/notify/notify.models.js';
import { startTestApp, type TestApp, testEnv } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { api } from '../support/people.js';
import { type RunningProcess, runEntry } from '../support/processes.js';
import { type SmtpReceiver, startSmtpReceiver } from '../support/receivers.js';
import { launchAs } from './notify-support.js';

describe('notifications with two worker processes', function () {
  this.timeout(120_000);
  let app: TestApp;
  let smtp: SmtpReceiver;
  const workers: RunningProcess[] = [];

  before(async () => {
    smtp = await startSmtpReceiver();
    // The web side only: the two worker processes below consume the queues.
    app = await startTestApp({ env: { SMTP_URL: smtp.url } });
    const env = await testEnv({
      LOG_LEVEL: 'info',
      SMTP_URL: smtp.url,
      NOTIFY_BACKOFF_MS: '20',
      PUBLIC_URL: app.url,
    });
    for (let i = 0; i < 2; i++) workers.push(runEntry('src/bin/worker.ts', env));
    await Promise.all(workers.map((worker) => worker.waitFor(/workers started/, 60_000)));
  });
  after(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await app?.stop();
    await smtp?.close();
  });

  it('sends each notification once, however often it is requested and however many jobs compete for it', async () => {
    const lead = await launchAs(app, { role: 'admin', name: 'Lena Lead' });
    const addresses = Array.from({ length: 10 }, (_, i) => `team${i}@example.edu`);
    const saved = await api(app, lead, '/api/settings/notifications', {
      method: 'PUT',
      body: {
        channels: [{ type: 'email', name: 'Team', target: addresses.join(', '), kinds: ['sla_breach'] }],
      },
    });
    expect(saved.status, saved.text).to.equal(200);
    const learner = await launchAs(app, { role: 'learner', name: 'Ria Learner' });
    const conversationId = (await api(app, learner, '/api/chat')).body.conversation.id as string;
    const deps = { queues: app.runtime.queues, config: app.config };
    const request = {
      tenantId: lead.tenantId,
      kind: 'sla_breach' as const,
      key: `breach-${conversationId}-first_response-0`,
      conversationId,
      details: { target: 'first_response', dueAt: new Date().toISOString() },
    };
    // Asked three times at once (a retried route job, two workers routing the same event)…
    const outcomes = await Promise.all([1, 2, 3].map(() => requestNotifications(deps, request)));
    expect(outcomes.reduce((sum, outcome) => sum + outcome.created, 0)).to.equal(10);
    const ids = outcomes[0]!.deliveries;
    expect(outcomes.every((outcome) => outcome.deliveries.join() === ids.join())).to.equal(true);
    // …and each delivery given extra jobs under other ids, so both workers run the same delivery at once.
    await Promise.all(
      ids.flatMap((deliveryId) =>
        [1, 2, 3].map((n) =>
          app.runtime.queues.enqueue(
            'notify',
            'deliver',
            { deliveryId },
            {
              jobId: `notify-deliver-${deliveryId}-dup${n}`,
              attempts: 20,
              backoff: { type: 'fixed', delay: 20 },
            },
          ),
        ),
      ),
    );
    await eventually(async () => {
      const deliveries = await DeliveryModel.find({ _id: { $in: ids } }).lean();
      return deliveries.length === 10 && deliveries.every((d) => d.status === 'sent')
        ? deliveries
        : undefined;
    }, 'every delivery sent');
    // Every competing job has finished (sent, or found it sent) before counting. Only this test's jobs:
    // earlier tests of the run may leave delayed jobs of their own (follow-ups) in the same queue.
    const queue = app.runtime.queues.get('notify');
    const jobIds = ids.flatMap((deliveryId) => [
      `notify-deliver-${deliveryId}`,
      ...[1, 2, 3].map((n) => `notify-deliver-${deliveryId}-dup${n}`),
    ]);
    await eventually(async () => {
      const states = await Promise.all(jobIds.map((jobId) => queue.getJobState(jobId)));
      return states.every((state) => state === 'completed') ? states : undefined;
    }, 'every competing job completed');
    for (const address of addresses) {
      const mails = smtp.messages.filter((m) => m.to.includes(address));
      expect(mails, address).to.have.length(1);
      expect(mails[0]!.subject).to.equal(
        'SLA breached (first response): Ria Learner in Introduction to Online Learning',
      );
    }
    // Every job (40: one per delivery and three competing copies) completed above; none failed for good.
    expect(jobIds).to.have.length(40);
  });
});
