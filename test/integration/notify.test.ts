import { expect } from 'chai';
import { registerJobListeners } from '../../src/jobs/listeners.js';
import { sendingKey } from '../../src/notify/deliver.js';
import { requestNotifications } from '../../src/notify/notifier.js';
import { DeliveryModel, ThreadLinkModel } from '../../src/notify/notify.models.js';
import { createThreadLink, LINK_TTL_MS } from '../../src/notify/thread-link.js';
import { createConversationDomain } from '../../src/storage/conversations/create-conversation-domain.js';
import type { TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { api, type Body, handOff, type Person } from '../support/people.js';
import type { HttpReceiver, SmtpReceiver } from '../support/receivers.js';
import { type AppWithReceivers, startAppWithReceivers } from '../support/receiving-app.js';
import { launchAs, verifyChatrefSignature } from './notify-support.js';

describe('notifications (real launches, worker, local SMTP and HTTP receivers)', function () {
  this.timeout(120_000);
  let app: TestApp;
  let smtp: SmtpReceiver;
  let http: HttpReceiver;
  let receiving: AppWithReceivers;
  let lead: Person;

  before(async () => {
    ({ app, smtp, http } = receiving = await startAppWithReceivers({
      NOTIFY_ATTEMPTS: '3',
      NOTIFY_BACKOFF_MS: '20',
    }));
    lead = await launchAs(app, { role: 'admin', name: 'Lena Lead' });
  });
  after(() => receiving?.stop());

  const saveChannels = (channels: unknown[]) =>
    api(app, lead, '/api/settings/notifications', { method: 'PUT', body: { channels } });

  it('a new handoff reaches the email, Slack, Teams and webhook channels, each naming learner, course, reason and summary', async () => {
    const saved = await saveChannels([
      { type: 'email', name: 'LMS team', target: 'lms-team@example.edu', kinds: ['handoff_new'] },
      { type: 'slack', name: 'Slack #lms', target: `${http.url}/slack/ok`, kinds: ['handoff_new'] },
      { type: 'teams', name: 'Teams LMS', target: `${http.url}/teams/ok`, kinds: ['handoff_new'] },
      { type: 'webhook', name: 'Helpdesk', target: `${http.url}/hook/ok`, kinds: ['handoff_new'] },
    ]);
    expect(saved.status, saved.text).to.equal(200);
    const webhook = saved.body.data.channels.find((c: Body) => c.type === 'webhook');
    const secret = saved.body.data.secrets[webhook.id] as string;
    expect(secret).to.match(/^whsec_/);

    // Afterwards URLs and the secret are only ever shown masked.
    const listed = await api(app, lead, '/api/settings/notifications');
    expect(listed.status).to.equal(200);
    expect(listed.text).not.to.include(secret);
    expect(listed.text).not.to.include('/slack/ok');
    expect(listed.body.data.channels.map((c: Body) => c.target)).to.deep.equal([
      'lms-team@example.edu',
      `${http.url}/…k/ok`,
      `${http.url}/…s/ok`,
      `${http.url}/…k/ok`,
    ]);

    const learner = await launchAs(app, {
      role: 'learner',
      name: 'Eve <b>&</b> Learner',
      course: 'bio-101',
      courseTitle: 'Biology <101>',
    });
    const conversationId = await handOff(app, learner, 'Where is my <script>grade</script> for quiz 3?');

    const mail = await smtp.waitFor((m) => m.to.includes('lms-team@example.edu'));
    expect(mail.subject).to.equal('New handoff: Eve <b>&</b> Learner in Biology <101>');
    expect(mail.headers.from).to.include('chatref@example.edu');
    for (const part of [
      'Learner: Eve <b>&</b> Learner',
      'Course: Biology <101>',
      'Reason: asked for a person (button)',
      'Summary: Eve <b>&</b> Learner (learner, bio-101',
      `Open the thread: ${app.url}/go/thread/${conversationId}`,
    ])
      expect(mail.text).to.include(part);
    expect(mail.html).to.include('Eve &lt;b&gt;&amp;&lt;/b&gt; Learner');
    expect(mail.html).to.include('&lt;script&gt;grade&lt;/script&gt;');
    expect(mail.html).not.to.include('<script>');
    const delivery = await DeliveryModel.findOne({
      conversationId,
      'recipient.target': 'lms-team@example.edu',
    }).lean();
    expect(mail.messageId).to.equal(`<${delivery?._id}@localhost>`);

    const slack = await http.waitFor((r) => r.path === '/slack/ok');
    const slackBody = slack.json as Body;
    expect(slackBody.text).to.equal(
      'New handoff: Eve &lt;b&gt;&amp;&lt;/b&gt; Learner in Biology &lt;101&gt;',
    );
    const slackText = slackBody.blocks.map((b: Body) => b.text?.text ?? '').join('\n');
    expect(slackText).to.include('*Learner:* Eve &lt;b&gt;&amp;&lt;/b&gt; Learner');
    expect(slackText).to.include('*Reason:* asked for a person (button)');
    expect(slackText).to.include(`<${app.url}/go/thread/${conversationId}|Open the thread>`);

    const teams = await http.waitFor((r) => r.path === '/teams/ok');
    const card = (teams.json as Body).attachments[0];
    expect(card.contentType).to.equal('application/vnd.microsoft.card.adaptive');
    const facts = card.content.body.find((b: Body) => b.type === 'FactSet').facts;
    expect(facts.find((f: Body) => f.title === 'Course').value).to.equal('Biology \\<101\\>');
    expect(card.content.actions[0].url).to.equal(`${app.url}/go/thread/${conversationId}`);

    const hook = await http.waitFor((r) => r.path === '/hook/ok');
    expect(verifyChatrefSignature(secret, hook.headers, hook.body)).to.equal(true);
    expect(verifyChatrefSignature('whsec_wrong', hook.headers, hook.body)).to.equal(false);
    expect(verifyChatrefSignature(secret, hook.headers, hook.body.replace('Eve', 'Eva'))).to.equal(false);
    const payload = hook.json as Body;
    expect(hook.headers['idempotency-key']).to.equal(payload.id);
    expect(hook.headers['x-chatref-delivery']).to.equal(payload.id);
    expect(payload).to.include({ type: 'handoff_new', tenantId: lead.tenantId });
    expect(payload.thread).to.include({
      conversationId,
      learner: 'Eve <b>&</b> Learner',
      course: 'Biology <101>',
    });
    expect(payload.thread.url).to.equal(`${app.url}/go/thread/${conversationId}`);

    // The landing page of shared links carries no credential: it asks to open Chatref from the LMS.
    const landing = await fetch(`${app.url}/go/thread/${conversationId}`);
    expect(landing.status).to.equal(200);
    const page = await landing.text();
    expect(page).to.include('Open Chatref from your LMS');
    expect(page).not.to.include('ltik');

    // Every delivery was sent once.
    await eventually(async () => {
      const all = await DeliveryModel.find({ conversationId }).lean();
      return all.length === 4 && all.every((d) => d.status === 'sent') ? all : undefined;
    }, 'four deliveries sent');
    expect(smtp.messages.filter((m) => m.to.includes('lms-team@example.edu'))).to.have.length(1);
    await saveChannels([]);
  });

  it('refuses a channel that is not http(s) or not an email address, naming the field, and saves nothing', async () => {
    const before = await api(app, lead, '/api/settings/notifications');
    const cases: [unknown[], RegExp][] = [
      [
        [{ type: 'slack', name: 'S', target: 'ftp://hooks.example/x', kinds: [] }],
        /^channels\.0\.target: only http/,
      ],
      [
        [
          { type: 'email', name: 'ok', target: 'a@example.edu', kinds: [] },
          { type: 'webhook', name: 'W', target: 'javascript:alert(1)', kinds: [] },
        ],
        /^channels\.1\.target: /,
      ],
      [
        [{ type: 'email', name: 'E', target: 'not-an-address', kinds: [] }],
        /^channels\.0\.target: "not-an-address" is not an email address/,
      ],
      [
        [{ type: 'teams', name: 'T', target: 'https://x.example', kinds: ['everything'] }],
        /^channels\.0\.kinds\.0: /,
      ],
      [[{ type: 'teams', name: 'T', kinds: [] }], /^channels\.0\.target: required/],
    ];
    for (const [channels, message] of cases) {
      const response = await saveChannels(channels);
      expect(response.status, response.text).to.equal(400);
      expect(response.body.error.message).to.match(message);
    }
    const after = await api(app, lead, '/api/settings/notifications');
    expect(after.body).to.deep.equal(before.body);
  });

  it("a keyword rule's notify targets hear of the handoff it causes; Teams and http(s) URLs are accepted", async () => {
    const bad = await api(app, lead, '/api/settings/keyword-rules', {
      method: 'POST',
      body: { pattern: 'printer on fire', category: 'Facilities', notify: 'ftp://hooks.example/x' },
    });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.message).to.match(
      /^notify: "ftp:\/\/hooks.example\/x" is not an email address or an http\(s\):\/\/ URL/,
    );
    const teams = await api(app, lead, '/api/settings/keyword-rules', {
      method: 'POST',
      body: {
        pattern: 'projector on fire',
        category: 'Facilities',
        notify: 'https://prod-12.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=x',
      },
    });
    expect(teams.status, teams.text).to.equal(201);
    expect(teams.body.data.notify[0].type).to.equal('teams');
    const rule = await api(app, lead, '/api/settings/keyword-rules', {
      method: 'POST',
      body: {
        pattern: 'printer on fire',
        category: 'Facilities',
        priority: 'high',
        notify: `facilities@example.edu, ${http.url}/rule-hook`,
      },
    });
    expect(rule.status, rule.text).to.equal(201);
    expect(rule.body.data.notify).to.deep.equal([
      { type: 'email', target: 'facilities@example.edu' },
      { type: 'webhook', target: `${http.url}/rule-hook` },
    ]);
    const learner = await launchAs(app, { role: 'learner', name: 'Rafa Learner' });
    const opened = await api(app, learner, '/api/chat');
    const conversationId = opened.body.conversation.id as string;
    const posted = await api(app, learner, '/api/chat/messages', {
      method: 'POST',
      body: { conversationId, clientId: `c-${Date.now()}`, text: 'The printer on fire in room 4, help' },
    });
    expect(posted.status, posted.text).to.equal(201);
    const mail = await smtp.waitFor((m) => m.to.includes('facilities@example.edu'));
    expect(mail.subject).to.equal('New handoff: Rafa Learner in Introduction to Online Learning');
    expect(mail.text).to.include('Reason: keyword rule matched "printer on fire" (Facilities)');
    const hook = await http.waitFor((r) => r.path === '/rule-hook');
    expect((hook.json as Body).thread.conversationId).to.equal(conversationId);
    // Not one of the tenant's channels: no secret to sign with.
    expect(hook.headers['x-chatref-signature']).to.equal(undefined);
    for (const id of [teams.body.data.id, rule.body.data.id])
      await api(app, lead, `/api/settings/keyword-rules/${id}`, { method: 'DELETE' });
  });

  it('a Slack URL answering 404 becomes a dead letter after the last retry; Retry delivers it once the URL answers', async () => {
    http.respondWith(404, Number.POSITIVE_INFINITY, '/slack/gone');
    const saved = await saveChannels([
      { type: 'slack', name: 'Old Slack', target: `${http.url}/slack/gone`, kinds: ['handoff_urgent'] },
    ]);
    expect(saved.status).to.equal(200);
    const learner = await launchAs(app, { role: 'learner', name: 'Dana Learner' });
    const opened = await api(app, learner, '/api/chat');
    const conversationId = opened.body.conversation.id as string;
    await requestNotifications(
      { queues: app.runtime.queues, config: app.config },
      { tenantId: lead.tenantId, kind: 'handoff_urgent', key: `dead-${conversationId}`, conversationId },
    );
    const letters = await eventually(async () => {
      const listed = await api(app, lead, '/api/settings/notifications/dead-letters');
      return listed.body.data.length ? (listed.body.data as Body[]) : undefined;
    }, 'a dead letter');
    expect(letters).to.have.length(1);
    expect(letters[0]).to.include({ channel: 'Old Slack', kind: 'handoff_urgent', attempts: 3 });
    expect(letters[0].error).to.match(/^Slack answered 404 \(no_service\): the URL no longer exists/);
    expect(letters[0].recipient).not.to.include('/slack/gone');
    expect(http.requests.filter((r) => r.path === '/slack/gone').map((r) => r.status)).to.deep.equal([
      404, 404, 404,
    ]);

    http.respondWith(200, Number.POSITIVE_INFINITY, '/slack/gone');
    const retried = await api(app, lead, `/api/settings/notifications/dead-letters/${letters[0].id}/retry`, {
      method: 'POST',
    });
    expect(retried.status, retried.text).to.equal(202);
    const delivered = await http.waitFor((r) => r.path === '/slack/gone' && r.status === 200);
    expect((delivered.json as Body).text).to.equal(
      'Urgent handoff: Dana Learner in Introduction to Online Learning',
    );
    await eventually(async () => {
      const record = await DeliveryModel.findById(letters[0].id).lean();
      return record?.status === 'sent' ? record : undefined;
    }, 'the retried delivery sent');
    expect((await api(app, lead, '/api/settings/notifications/dead-letters')).body.data).to.deep.equal([]);
    // Retrying again is refused: it is no longer a dead letter.
    const again = await api(app, lead, `/api/settings/notifications/dead-letters/${letters[0].id}/retry`, {
      method: 'POST',
    });
    expect(again.status).to.equal(404);
    expect(http.requests.filter((r) => r.path === '/slack/gone' && r.status === 200)).to.have.length(1);
    http.reset();
    await saveChannels([]);
  });

  it('assigning a thread emails that admin a single-use sign-in link valid for 15 minutes; the learner replying emails them too', async () => {
    const omar = await launchAs(app, { role: 'admin', name: 'Omar Admin' });
    const learner = await launchAs(app, { role: 'learner', name: 'Pia Learner' });
    const conversationId = await handOff(app, learner);
    expect(
      (await api(app, lead, `/api/inbox/conversations/${conversationId}/claim`, { method: 'POST' })).status,
    ).to.equal(200);
    const transferred = await api(app, lead, `/api/inbox/conversations/${conversationId}/transfer`, {
      method: 'POST',
      body: { toUserId: omar.userId, note: 'yours' },
    });
    expect(transferred.status, transferred.text).to.equal(200);

    const mail = await smtp.waitFor(
      (m) => m.to.includes(omar.email ?? '') && m.subject.startsWith('Assigned to you'),
    );
    expect(mail.subject).to.equal('Assigned to you: Pia Learner in Introduction to Online Learning');
    const link = /(http:\/\/localhost:\d+\/go\?token=[A-Za-z0-9_-]{43})/.exec(mail.text)?.[1];
    expect(link, mail.text).to.be.a('string');
    expect(mail.text).to.include('only works for 15 minutes');
    const stored = await ThreadLinkModel.find({ conversationId, userId: omar.userId }).lean();
    expect(stored).to.have.length(1);
    expect(stored[0]!.expiresAt.getTime() - stored[0]!.createdAt.getTime()).to.equal(LINK_TTL_MS);
    expect(JSON.stringify(stored[0])).not.to.include(link!.split('token=')[1]);

    // Opening the link shows a button (mail scanners that fetch links do not use it up)…
    const page = await fetch(link!);
    expect(page.status).to.equal(200);
    expect(await page.text()).to.include('Open the thread');
    // …pressing it signs Omar in and opens the thread.
    const used = await fetch(link!, { method: 'POST', redirect: 'manual' });
    expect(used.status).to.equal(303);
    const location = new URL(used.headers.get('location') ?? '', app.url);
    expect(location.pathname).to.equal('/inbox');
    expect(location.hash).to.equal(`#conversation=${conversationId}`);
    const session = location.searchParams.get('ltik') ?? '';
    const claims = JSON.parse(Buffer.from(session.split('.')[1] ?? '', 'base64url').toString());
    expect(claims).to.include({ uid: omar.userId, tid: omar.tenantId, role: 'admin' });
    const thread = await api(app, session, `/api/inbox/conversations/${conversationId}`);
    expect(thread.status, thread.text).to.equal(200);
    // Once only.
    const twice = await fetch(link!, { method: 'POST', redirect: 'manual' });
    expect(twice.status).to.equal(410);
    const twiceText = await twice.text();
    expect(twiceText).to.include('work only once');
    expect(twiceText).to.include(conversationId);

    // Only for 15 minutes: a link whose stored expiry has passed no longer signs in.
    const fresh = await createThreadLink({
      tenantId: omar.tenantId,
      userId: omar.userId,
      conversationId,
      publicUrl: app.url,
    });
    const token = fresh.url.split('token=')[1]!;
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(token).digest('hex');
    await ThreadLinkModel.updateOne({ _id: hash }, { $set: { expiresAt: new Date(Date.now() + 60_000) } });
    const late = await createThreadLink({
      tenantId: omar.tenantId,
      userId: omar.userId,
      conversationId,
      publicUrl: app.url,
    });
    const lateHash = createHash('sha256').update(late.url.split('token=')[1]!).digest('hex');
    await ThreadLinkModel.updateOne({ _id: lateHash }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await fetch(late.url, { method: 'POST', redirect: 'manual' });
    expect(expired.status).to.equal(410);
    expect(await expired.text()).to.include('work for 15 minutes');
    expect((await fetch(fresh.url, { method: 'POST', redirect: 'manual' })).status).to.equal(303);
    expect(
      (await fetch(`${app.url}/go?token=${'x'.repeat(43)}`, { method: 'POST', redirect: 'manual' })).status,
    ).to.equal(410);

    // The learner writes in Omar's thread: Omar hears of it.
    const posted = await api(app, learner, '/api/chat/messages', {
      method: 'POST',
      body: { conversationId, clientId: `c-${Date.now()}`, text: 'Any news?' },
    });
    expect(posted.status, posted.text).to.equal(201);
    const replied = await smtp.waitFor(
      (m) => m.to.includes(omar.email ?? '') && m.subject.includes('replied in your thread'),
    );
    expect(replied.subject).to.equal('Pia Learner replied in your thread (Introduction to Online Learning)');
  });

  it('a delivery left "sending" by a killed worker is sent once, after its lease, with the same Message-ID', async () => {
    const queue = app.runtime.queues.get('notify');
    const now = Date.now();
    const stored = (id: string, heldSinceMs: number) => ({
      _id: id,
      tenantId: lead.tenantId,
      kind: 'sla_breach',
      key: id,
      recipient: { type: 'email', target: `${id}@example.edu` },
      content: { kind: 'sla_breach', title: `Breach ${id}`, lines: [] },
      status: 'sending',
      sendingAt: new Date(heldSinceMs),
      attempts: 1,
      attemptId: 0,
      createdAt: new Date(now),
      updatedAt: new Date(now),
    });
    const finished = (jobId: string) =>
      eventually(async () => {
        const job = await queue.getJob(jobId);
        const state = await job?.getState();
        if (state === 'failed') throw new Error(`${jobId} failed: ${job?.failedReason}`);
        return state === 'completed' ? job : undefined;
      }, jobId);

    // Killed 2 minutes ago: its lease (a Redis key) has expired; the next job takes it over and sends it.
    const stale = 'dkilledlongago00000000000000000001';
    await DeliveryModel.collection.insertOne(stored(stale, now - 120_000) as never);
    await app.runtime.queues.enqueue(
      'notify',
      'deliver',
      { deliveryId: stale },
      { jobId: `notify-deliver-${stale}` },
    );
    const mail = await smtp.waitFor((m) => m.to.includes(`${stale}@example.edu`));
    expect(mail.messageId).to.equal(`<${stale}@localhost>`);
    await finished(`notify-deliver-${stale}`);
    expect(await DeliveryModel.findById(stale).lean()).to.include({ status: 'sent', attempts: 2 });

    // Killed 10 seconds ago: its lease still runs. Nothing is sent; the job's tries end in a take-over job
    // delayed to the end of the lease, which sends it once (the lease is ended here by deleting its key,
    // not by waiting).
    const recent = 'dkilledjustnow000000000000000000002';
    const holder = 'dead0000-0000-0000-0000-000000000001';
    await DeliveryModel.collection.insertOne(stored(recent, now - 10_000) as never);
    const lease = sendingKey(app.config.REDIS_PREFIX, recent);
    await app.runtime.redis.set(lease, holder, 'PX', 80_000);
    await app.runtime.queues.enqueue(
      'notify',
      'deliver',
      { deliveryId: recent },
      { jobId: `notify-deliver-${recent}`, attempts: 2, backoff: { type: 'fixed', delay: 10 } },
    );
    const first = await finished(`notify-deliver-${recent}`);
    expect(first.returnvalue).to.deep.equal({ deferred: true });
    expect(smtp.messages.filter((m) => m.to.includes(`${recent}@example.edu`))).to.have.length(0);
    const takeOver = await queue.getJob(`notify-deliver-${recent}-h${holder}`);
    expect(await takeOver?.getState()).to.equal('delayed');
    expect(takeOver!.opts.delay).to.be.greaterThan(60_000);
    await app.runtime.redis.del(lease);
    await takeOver!.promote();
    await smtp.waitFor((m) => m.to.includes(`${recent}@example.edu`));
    await finished(`notify-deliver-${recent}-h${holder}`);
    expect(smtp.messages.filter((m) => m.to.includes(`${recent}@example.edu`))).to.have.length(1);
    expect(await DeliveryModel.findById(recent).lean()).to.include({ status: 'sent' });
  });

  it('SLA warnings, breaches and escalations reach the owner, the channels and the notified admins, once each', async () => {
    const saved = await saveChannels([
      {
        type: 'email',
        name: 'SLA desk',
        target: 'sla-desk@example.edu',
        kinds: ['sla_warning', 'sla_breach'],
      },
    ]);
    expect(saved.status).to.equal(200);
    // The events come from the SLA engine in real use; here a bus of our own emits them (its listeners
    // enqueue the same route jobs the engine's events do).
    const domain = createConversationDomain({
      redis: app.runtime.redis,
      prefix: app.config.REDIS_PREFIX,
      messageMaxChars: app.config.MESSAGE_MAX_CHARS,
    });
    const stop = registerJobListeners(domain.bus, app.runtime.queues, app.runtime.logger);
    try {
      const omar = await launchAs(app, { role: 'admin', name: 'Omar Escalation' });
      const waiting = await handOff(app, await launchAs(app, { role: 'learner', name: 'Sam Waiting' }));
      const owned = await handOff(app, await launchAs(app, { role: 'learner', name: 'Tia Owned' }));
      expect(
        (await api(app, lead, `/api/inbox/conversations/${owned}/claim`, { method: 'POST' })).status,
      ).to.equal(200);
      const dueAt = '2026-03-09T17:00:00.000Z';
      const sla = (conversationId: string, name: 'sla.warned' | 'sla.breached') =>
        domain.bus.emit({
          tenantId: lead.tenantId,
          name,
          conversationId,
          actor: { role: 'system' },
          payload: {
            sla: { state: name === 'sla.warned' ? 'at_risk' : 'breached', target: 'first_response', dueAt },
            target: 'first_response',
            dueAt,
            late: false,
          },
        });
      await sla(waiting, 'sla.warned');
      await sla(owned, 'sla.warned');
      await sla(owned, 'sla.breached');
      await sla(owned, 'sla.breached'); // told twice: one notification
      await domain.bus.emit({
        tenantId: lead.tenantId,
        name: 'sla.escalated',
        conversationId: owned,
        actor: { role: 'system' },
        payload: {
          sla: { state: 'breached', target: 'first_response', dueAt },
          target: 'first_response',
          step: 'notify_leads',
          notified: [{ userId: omar.userId, name: omar.name }],
        },
      });

      const desk = (subject: string) =>
        smtp.waitFor((m) => m.to.includes('sla-desk@example.edu') && m.subject === subject);
      const warnedDesk = await desk(
        'SLA at risk (first response): Sam Waiting in Introduction to Online Learning',
      );
      expect(warnedDesk.text).to.match(/Due Mon 9 Mar, \d\d:00 \([A-Za-z_/]+\)\./);
      await desk('SLA breached (first response): Tia Owned in Introduction to Online Learning');
      const toLead = (subject: string) =>
        smtp.waitFor((m) => m.to.includes(lead.email ?? '') && m.subject === subject);
      await toLead('SLA at risk (first response): Tia Owned in Introduction to Online Learning');
      const breachedLead = await toLead(
        'SLA breached (first response): Tia Owned in Introduction to Online Learning',
      );
      expect(breachedLead.text).to.match(/\/go\?token=[A-Za-z0-9_-]{43}/);
      const escalated = await smtp.waitFor((m) => m.to.includes(omar.email ?? ''));
      expect(escalated.subject).to.equal(
        'Escalation (leads notified): Tia Owned in Introduction to Online Learning',
      );

      await eventually(async () => {
        const all = await DeliveryModel.find({
          conversationId: { $in: [waiting, owned] },
          kind: { $in: ['sla_warning', 'sla_breach', 'sla_escalation'] },
        }).lean();
        return all.length === 5 && all.every((d) => d.status === 'sent') ? all : undefined;
      }, 'five SLA deliveries sent');
      const count = (to: string, subject: RegExp) =>
        smtp.messages.filter((m) => m.to.includes(to) && subject.test(m.subject)).length;
      // The owned thread's warning went to its owner, not the desk; the breach to both, once.
      expect(count('sla-desk@example.edu', /Tia Owned/)).to.equal(1);
      expect(count(lead.email ?? '', /^SLA breached .*Tia Owned/)).to.equal(1);
      expect(count(lead.email ?? '', /Sam Waiting/)).to.equal(0);
    } finally {
      stop();
      await saveChannels([]);
    }
  });

  it('Settings → Notifications is for inbox leads only', async () => {
    const learner = await launchAs(app, { role: 'learner', name: 'Quinn Learner' });
    expect((await api(app, learner, '/api/settings/notifications')).status).to.equal(403);
    expect((await fetch(`${app.url}/api/settings/notifications`)).status).to.equal(401);
  });
});
