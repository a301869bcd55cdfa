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
import { api } from '../support/people.js';

describe('FerretDB restarts under a running web process', function () {
  this.timeout(150_000);
  let stack: FaultStack;
  let web: WebProcess;

  before(async () => {
    stack = await startFaultStack();
    web = await stack.startWeb();
  });
  after(() => stack?.stop());

  it('/readyz says 503 during the outage; messages retried with their client ids are stored once', async () => {
    const learner = await launchThrough(web);
    const opened = await api(web.app, learner, '/api/chat');
    expect(opened.status, opened.text).to.equal(200);
    const conversationId = opened.body.conversation.id as string;
    const texts = ['How do I reset my password?', 'Is the quiz timed?', 'Where are the slides?'];
    const sent = texts.map((text) => ({ text, clientId: `c-${randomUUID()}` }));
    const post = (message: (typeof sent)[number]) =>
      api(web.app, learner, '/api/chat/messages', {
        method: 'POST',
        body: { conversationId, clientId: message.clientId, text: message.text },
      });

    await stack.stopMongo();
    await untilStatus(`${web.url}/readyz`, 503, '/readyz to say 503 while the database is down');
    const ready = await (await fetch(`${web.url}/readyz`)).json();
    expect(ready.checks.mongodb).to.equal(false);
    expect((await fetch(`${web.url}/healthz`)).status).to.equal(200);

    // The learner keeps writing: each message is either taken or refused with a clear, retryable answer.
    const during = [];
    for (const message of sent) during.push(await post(message));
    for (const answer of during) {
      expect([201, 503], answer.text).to.include(answer.status);
      if (answer.status === 503) expect(answer.body.error.message).to.match(/try again/i);
    }

    await stack.startMongo();
    await untilStatus(`${web.url}/readyz`, 200, '/readyz to recover');
    // The page retries what it has not seen stored, with the same client ids (and a retry of a message
    // that was in fact taken must not store it twice, so every message is sent again here).
    for (const message of sent) {
      const again = await eventually(async () => {
        const answer = await post(message);
        return answer.status === 201 ? answer : undefined;
      }, `the retry of "${message.text}"`);
      expect(again.body.message.clientId).to.equal(message.clientId);
    }
    const thread = await api(web.app, learner, '/api/chat');
    expect(thread.status, thread.text).to.equal(200);
    const learnerLines = (thread.body.messages as { author: string; clientId?: string; text: string }[])
      .filter((line) => line.author === 'learner')
      .map((line) => line.text);
    expect(learnerLines).to.deep.equal(texts);

    // Launches (the LTI library keeps its own connection to the same database) work again too.
    const later = await launchThrough(web);
    expect((await api(web.app, later, '/api/chat')).status).to.equal(200);
  });
});
