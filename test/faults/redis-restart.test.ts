import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { eventually } from '../support/eventually.js';
import {
  type FaultStack,
  launchThrough,
  startFaultStack,
  untilStatus,
  type WebProcess,
} from '../support/fault-stack.js';
import { beginLaunch } from '../support/lms-client.js';
import { api, handOff } from '../support/people.js';
import type { RunningProcess } from '../support/processes.js';
import { type SmtpReceiver, startSmtpReceiver } from '../support/receivers.js';
import type { SseEvent } from '../support/sse.js';
import { holdStream } from '../support/sse-stream.js';
import { emailHandoffsToTeam, TEAM_ADDRESS } from './handoff-email.js';

/** Redis as production runs it (AOF on): stopped and started again under a running web and worker. */
describe('Redis restarts under running web and worker processes', function () {
  this.timeout(150_000);
  let stack: FaultStack;
  let smtp: SmtpReceiver;
  let web: WebProcess;
  let worker: RunningProcess;

  before(async () => {
    stack = await startFaultStack();
    smtp = await startSmtpReceiver();
    web = await stack.startWeb();
    // A failed delivery is retried after 4 s: a timer that is still pending when Redis stops.
    worker = await stack.startWorker({ SMTP_URL: smtp.url, NOTIFY_BACKOFF_MS: '4000', PUBLIC_URL: web.url });
  });
  after(async () => {
    await stack?.stop();
    await smtp?.close();
  });

  it('serves what needs no Redis, answers 503 for what does, and loses no pending timer', async () => {
    const admin = await launchThrough(web, 'admin');
    await emailHandoffsToTeam(web, admin);
    const learner = await launchThrough(web);
    smtp.failNext(1);
    const conversationId = await handOff(web.app, learner);
    // The first delivery attempt was refused (451): its retry now waits in Redis as a delayed job.
    const retry = await eventually(async () => {
      const delayed = await stack.queue('notify').getDelayed();
      return delayed.find((job) => job.name === 'deliver' && job.attemptsMade === 1);
    }, 'the delivery retry waiting in Redis');

    const opened = await api(web.app, learner, '/api/chat');
    // A page stays connected across the outage (or reconnects, as pages do, if the stream ends).
    const live = holdStream(`${web.url}/api/chat/events`, learner.token, opened.body.lastEventId);
    await live.opened;

    await stack.stopRedis();
    await untilStatus(`${web.url}/readyz`, 503, '/readyz to say 503 while Redis is down');
    expect((await (await fetch(`${web.url}/readyz`)).json()).checks).to.deep.equal({
      mongodb: true,
      redis: false,
    });
    // What needs no Redis is served as before.
    expect((await fetch(`${web.url}/healthz`)).status).to.equal(200);
    const style = await fetch(`${web.url}/public/css/app.css`);
    expect(style.status).to.equal(200);
    expect(await style.text()).to.contain('{');
    // What needs it says so, in words, at once.
    const posted = await api(web.app, learner, '/api/chat/messages', {
      method: 'POST',
      body: { conversationId, clientId: `c-${randomUUID()}`, text: 'Are you still there?' },
    });
    expect(posted.status, posted.text).to.equal(503);
    expect(posted.body.error.message).to.match(/unavailable.*try again/i);
    // The learner can still read their thread and load the chat page…
    const read = await api(web.app, learner, '/api/chat');
    expect(read.status, read.text).to.equal(200);
    expect(read.body.conversation.id).to.equal(conversationId);
    expect((await fetch(`${web.url}/chat?ltik=${learner.token}`)).status).to.equal(200);
    // …while the inbox lists (kept in Redis) and new launches (their login state is in Redis) say 503.
    // A page (re)connecting its live stream now is let in and hears what happens once Redis is back.
    const during = holdStream(`${web.url}/api/chat/events`, learner.token, opened.body.lastEventId);
    await during.opened;
    const inbox = await api(web.app, admin, '/api/inbox/conversations');
    expect(inbox.status, inbox.text).to.equal(503);
    expect(inbox.body.error.message).to.match(/Redis.*try again/i);
    const login = await beginLaunch(web.url).then(
      () => 'redirected',
      (error: Error) => error.message,
    );
    expect(login).to.match(/login did not redirect \(503\)/);
    expect(web.process.child.exitCode, 'the web process keeps running').to.equal(null);
    expect(worker.child.exitCode, 'the worker keeps running').to.equal(null);

    await stack.startRedis();
    await untilStatus(`${web.url}/readyz`, 200, '/readyz to recover');
    // The pending retry survived and runs: one email, however the restart fell.
    await smtp.waitFor((mail) => mail.to.includes(TEAM_ADDRESS), 30_000);
    await eventually(
      async () => (await stack.queue('notify').getJobState(retry.id as string)) === 'completed',
      'the retried delivery job to complete',
    );
    expect(smtp.messages.filter((mail) => mail.to.includes(TEAM_ADDRESS))).to.have.length(1);

    // Queues resume: a request that enqueues work is taken and its job runs.
    const backId = `c-${randomUUID()}`;
    const again = await api(web.app, learner, '/api/chat/messages', {
      method: 'POST',
      body: { conversationId, clientId: backId, text: 'Thanks, I am back.' },
    });
    expect(again.status, again.text).to.equal(201);
    // Live updates resume: the page hears of the new message.
    const isBack = (event: SseEvent) => event.type === 'message' && event.data.message.clientId === backId;
    const ended = await Promise.race([
      live.ended.then(() => true),
      live.waitFor(isBack, 'the live message').then(() => false),
    ]);
    if (ended) {
      const reconnected = holdStream(
        `${web.url}/api/chat/events`,
        learner.token,
        live.lastEventId() ?? opened.body.lastEventId,
      );
      try {
        await reconnected.waitFor(isBack, 'the message after reconnecting');
      } finally {
        reconnected.close();
      }
    }
    live.close();
    await during.waitFor(isBack, 'the message on the stream opened during the outage');
    during.close();
    const checkId = randomUUID();
    const job = await stack
      .queue('maintenance')
      .add('selfcheck', { checkId }, { jobId: `faults-${checkId}` });
    await eventually(async () => (await job.getState()) === 'completed', 'a job queued after the restart');
    expect(await stack.db().collection('selfchecks').countDocuments({ checkId })).to.equal(1);
  });
});
