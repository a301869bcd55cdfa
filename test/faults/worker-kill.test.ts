import type { Job } from 'bullmq';
import { expect } from 'chai';
import { eventually } from '../support/eventually.js';
import { type FaultStack, launchThrough, startFaultStack, type WebProcess } from '../support/fault-stack.js';
import { handOff } from '../support/people.js';
import { type SmtpReceiver, startSmtpReceiver } from '../support/receivers.js';
import { emailHandoffsToTeam, TEAM_ADDRESS } from './handoff-email.js';

describe('a worker killed (SIGKILL) while it sends a notification', function () {
  this.timeout(150_000);
  let stack: FaultStack;
  let smtp: SmtpReceiver;
  let web: WebProcess;
  // Short job locks: a killed worker's job is found stalled within seconds, not the default half minute.
  const workerEnv = () => ({ SMTP_URL: smtp.url, PUBLIC_URL: web.url, JOB_LOCK_MS: '2000' });

  before(async () => {
    stack = await startFaultStack();
    smtp = await startSmtpReceiver();
    web = await stack.startWeb();
  });
  after(async () => {
    await stack?.stop();
    await smtp?.close();
  });

  it('runs the job again on another worker and the team gets exactly one email', async () => {
    const first = await stack.startWorker(workerEnv());
    const admin = await launchThrough(web, 'admin');
    await emailHandoffsToTeam(web, admin);
    const learner = await launchThrough(web);
    const connection = smtp.holdNextConnection();
    await handOff(web.app, learner);

    // The worker is mid-send: connected to the mail server, its delivery job active in BullMQ.
    await connection.held;
    const active = await eventually(async () => {
      const jobs: Job[] = await stack.queue('notify').getActive();
      return jobs.find((job) => job.name === 'deliver');
    }, 'the delivery job to be active');
    first.child.kill('SIGKILL');
    await first.stop();
    connection.release();

    const second = await stack.startWorker(workerEnv());
    const mail = await smtp.waitFor((message) => message.to.includes(TEAM_ADDRESS), 60_000);
    expect(mail.subject).to.match(/hand/i);
    await eventually(
      async () => (await stack.queue('notify').getJobState(active.id as string)) === 'completed',
      'the delivery job to complete on the second worker',
    );
    const sent = await eventually(async () => {
      const delivery = await stack.db().collection('notification_deliveries').findOne({ status: 'sent' });
      return delivery ?? undefined;
    }, 'the delivery to be recorded as sent');
    expect(sent.attempts).to.be.at.least(1);
    expect(smtp.messages.filter((message) => message.to.includes(TEAM_ADDRESS))).to.have.length(1);
    expect(second.child.exitCode).to.equal(null);
  });
});
