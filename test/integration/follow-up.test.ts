import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ConversationModel } from '../../src/conversations/conversation.model.js';
import { LTI } from '../../src/devlms/constants.js';
import type { FollowUpResult } from '../../src/notify/follow-up.job.js';
import { followUpJobId } from '../../src/notify/follow-up.listener.js';
import { LearnerPresence } from '../../src/notify/follow-up-presence.js';
import { FollowUpRecordModel } from '../../src/notify/follow-up-record.model.js';
import { DeliveryModel } from '../../src/notify/notify.models.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { api, handOff, launchSession, type Person } from '../support/people.js';
import { type SmtpReceiver, startSmtpReceiver } from '../support/receivers.js';

/** A real launch through the development LMS as a new person; `email: false` launches without one. */
async function launchAs(
  app: TestApp,
  options: { role: 'learner' | 'admin'; given: string; email?: boolean; locale?: string; course?: string },
): Promise<Person> {
  const email =
    options.email === false
      ? undefined
      : `${options.given.toLowerCase()}-${randomUUID().slice(0, 8)}@example.edu`;
  const session = await launchSession(app, options.role, (claims) => {
    claims.sub = `follow-up-${options.given}-${randomUUID()}`;
    claims.name = `${options.given} Tester`;
    claims.given_name = options.given;
    claims.family_name = 'Tester';
    if (email) claims.email = email;
    else delete claims.email;
    if (options.locale) {
      claims.locale = options.locale;
      const presentation = claims[`${LTI}launch_presentation`] as Record<string, unknown>;
      claims[`${LTI}launch_presentation`] = { ...presentation, locale: options.locale };
    }
    if (options.course)
      claims[`${LTI}context`] = {
        id: options.course,
        label: options.course,
        title: `Course <${options.course}>`,
      };
  });
  return { ...session, name: `${options.given} Tester`, email };
}

/** The learner opens the chat and asks for a person; the lead takes the thread. */
async function handedOff(app: TestApp, learner: Person, lead: Person): Promise<string> {
  const conversationId = await handOff(app, learner, 'I want to talk to a person please');
  expect(
    (await api(app, lead, `/api/inbox/conversations/${conversationId}/claim`, { method: 'POST' })).status,
  ).to.equal(200);
  return conversationId;
}

async function reply(app: TestApp, lead: Person, conversationId: string, text: string): Promise<string> {
  const response = await api(app, lead, `/api/inbox/conversations/${conversationId}/reply`, {
    method: 'POST',
    body: { clientId: `r-${randomUUID()}`, text },
  });
  expect(response.status, response.text).to.equal(201);
  return response.body.message.id as string;
}

/** The result of a reply's follow-up job once it completed (its return value says what it decided). */
function followUpDone(app: TestApp, conversationId: string, messageId: string): Promise<FollowUpResult> {
  const queue = app.runtime.queues.get('notify');
  return eventually(async () => {
    const id = followUpJobId(conversationId, messageId);
    const state = await queue.getJobState(id);
    if (state === 'failed')
      throw new Error(`follow-up job failed: ${(await queue.getJob(id))?.failedReason}`);
    if (state !== 'completed') return undefined;
    // Read after the state: a job read before it completed carries no return value yet.
    return (await queue.getJob(id))?.returnvalue as FollowUpResult;
  }, `follow-up job of ${messageId}`);
}

describe('learner follow-up email (real launches, worker, local SMTP server)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let smtp: SmtpReceiver;
  let lead: Person;

  before(async () => {
    smtp = await startSmtpReceiver();
    app = await startTestApp({
      worker: true,
      env: { SMTP_URL: smtp.url, FOLLOW_UP_GRACE_SECONDS: '1', NOTIFY_BACKOFF_MS: '50' },
    });
    lead = await launchAs(app, { role: 'admin', given: 'Lena' });
  });
  after(async () => {
    await app?.stop();
    await smtp?.close();
  });

  it('a learner who left gets one email with both quick replies, in their language, escaped, linking to the course', async () => {
    const learner = await launchAs(app, {
      role: 'learner',
      given: 'Lucia',
      locale: 'es-419',
      course: 'bio-101',
    });
    const conversationId = await handedOff(app, learner, lead);
    const first = await reply(app, lead, conversationId, 'Hola Lucia, ya revisé tu acceso <b>ahora</b>.');
    const second = await reply(app, lead, conversationId, 'Prueba de nuevo & avísame.');

    const mail = await smtp.waitFor((m) => m.to.includes(learner.email ?? ''), 20_000);
    const results = await Promise.all([
      followUpDone(app, conversationId, first),
      followUpDone(app, conversationId, second),
    ]);
    // One job sent both replies; the other found nothing left to send (or lost the claim to the first).
    const outcomes = results.map((r) => r.outcome);
    expect(outcomes.filter((o) => o === 'sent')).to.have.length(1);
    expect(outcomes.filter((o) => o !== 'sent')[0]).to.be.oneOf(['nothing', 'raced', 'resent']);
    expect(results.find((r) => r.outcome === 'sent')?.replies).to.equal(2);
    // Every delivery of the thread finished: nothing else is on its way.
    await eventually(async () => {
      const deliveries = await DeliveryModel.find({ conversationId }).lean();
      return deliveries.length > 0 && deliveries.every((d) => d.status === 'sent') ? deliveries : undefined;
    }, 'deliveries sent');
    expect(await DeliveryModel.countDocuments({ conversationId })).to.equal(1);
    expect(smtp.messages.filter((m) => m.to.includes(learner.email ?? ''))).to.have.length(1);
    const record = await FollowUpRecordModel.findById(conversationId).lean();
    expect(record?.sent).to.have.length(1);
    expect(record?.lastOutcome).to.equal('sent');
    expect(Object.keys(record?.pending ?? {})).to.deep.equal([]);

    // A retried job after a crash between claiming and confirming (its outbox entry left behind) asks the
    // notifier again under the same key: the delivery exists, nothing more is sent.
    const key = record?.sent[0] ?? '';
    await FollowUpRecordModel.collection.updateOne({ _id: record?._id } as never, {
      $set: {
        [`pending.${key}`]: {
          key,
          to: learner.email,
          replies: [{ id: first, text: 'again', at: new Date().toISOString() }],
          at: new Date(),
        },
      },
    });
    const tenantId = String((await ConversationModel.findById(conversationId).lean())?.tenantId);
    await app.runtime.queues.enqueue(
      'notify',
      'followUp',
      { tenantId, conversationId },
      { jobId: followUpJobId(conversationId, 'retry') },
    );
    expect((await followUpDone(app, conversationId, 'retry')).outcome).to.equal('resent');
    expect(
      Object.keys((await FollowUpRecordModel.findById(conversationId).lean())?.pending ?? {}),
    ).to.deep.equal([]);
    const deliveries = await DeliveryModel.find({ conversationId }).lean();
    expect(deliveries.map((d) => d.status)).to.deep.equal(['sent']);
    const deliverJob = await app.runtime.queues
      .get('notify')
      .getJobState(`notify-deliver-${deliveries[0]?._id}`);
    expect(deliverJob).to.be.oneOf(['completed', 'unknown']);
    expect(smtp.messages.filter((m) => m.to.includes(learner.email ?? ''))).to.have.length(1);

    expect(mail.subject).to.contain('2 respuestas nuevas de soporte');
    expect(mail.text).to.contain('Hola Lucia');
    expect(mail.text).to.contain('ya revisé tu acceso <b>ahora</b>');
    expect(mail.text).to.contain('Prueba de nuevo & avísame.');
    expect(mail.text).to.contain('Volver a tu curso: ');
    expect(mail.text).to.contain(`${app.url}/dev/lms/return`);
    expect(mail.subject).to.contain('Course <bio-101>');
    expect(mail.html).to.contain('&lt;b&gt;ahora&lt;/b&gt;');
    expect(mail.html).not.to.contain('<b>ahora</b>');
    expect(mail.html).to.contain('Prueba de nuevo &amp; avísame.');
  });

  it('sends nothing when the launch carried no email address', async () => {
    const learner = await launchAs(app, { role: 'learner', given: 'Nadia', email: false });
    const conversationId = await handedOff(app, learner, lead);
    const stored = await ConversationModel.findById(conversationId).lean();
    expect(stored?.user.email).to.equal(undefined);
    const id = await reply(app, lead, conversationId, 'Hello Nadia, fixed it.');
    expect((await followUpDone(app, conversationId, id)).outcome).to.equal('no_email');
    expect(await DeliveryModel.countDocuments({ conversationId })).to.equal(0);
  });

  it('sends nothing after the learner turned follow-up emails off (and the choice is theirs alone)', async () => {
    const learner = await launchAs(app, { role: 'learner', given: 'Otto' });
    expect((await api(app, learner, '/api/chat/preferences')).body).to.deep.equal({ followUpEmail: true });
    const bad = await api(app, learner, '/api/chat/preferences', {
      method: 'PUT',
      body: { followUpEmail: 'no' },
    });
    expect(bad.status).to.equal(400);
    expect(bad.text).to.contain('followUpEmail');
    const off = await api(app, learner, '/api/chat/preferences', {
      method: 'PUT',
      body: { followUpEmail: false },
    });
    expect(off.status).to.equal(200);
    expect(off.body).to.deep.equal({ followUpEmail: false });
    expect((await api(app, learner, '/api/chat/preferences')).body).to.deep.equal({ followUpEmail: false });
    // Another learner's preference is untouched.
    const other = await launchAs(app, { role: 'learner', given: 'Olga' });
    expect((await api(app, other, '/api/chat/preferences')).body).to.deep.equal({ followUpEmail: true });

    const conversationId = await handedOff(app, learner, lead);
    const id = await reply(app, lead, conversationId, 'Hello Otto, done.');
    expect((await followUpDone(app, conversationId, id)).outcome).to.equal('opted_out');
    expect(await DeliveryModel.countDocuments({ conversationId })).to.equal(0);
  });

  it('a learner connected to the chat gets the reply live and no email', async () => {
    const learner = await launchAs(app, { role: 'learner', given: 'Clara' });
    const conversationId = await handedOff(app, learner, lead);
    const controller = new AbortController();
    const stream = await fetch(`${app.url}/api/chat/events`, {
      headers: { authorization: `Bearer ${learner.token}` },
      signal: controller.signal,
    });
    expect(stream.status).to.equal(200);
    const presence = new LearnerPresence({ redis: app.runtime.redis, prefix: app.config.REDIS_PREFIX });
    const tenantId = String((await ConversationModel.findById(conversationId).lean())?.tenantId);
    await eventually(
      async () => ((await presence.status(tenantId, conversationId)).connected ? true : undefined),
      'the learner to count as connected',
    );
    try {
      const id = await reply(app, lead, conversationId, 'Hello Clara, look at your screen.');
      expect((await followUpDone(app, conversationId, id)).outcome).to.equal('seen');
    } finally {
      controller.abort();
    }
    expect(await DeliveryModel.countDocuments({ conversationId })).to.equal(0);
    await eventually(
      async () => ((await presence.status(tenantId, conversationId)).connected ? undefined : true),
      'the learner to count as gone after the stream closed',
    );
  });
});
