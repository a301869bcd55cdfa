import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { startTestApp, type TestApp } from '../support/app.js';
import { launch, launchWith } from '../support/lms-client.js';

/**
 * Two web processes on the same database and Redis: a keyword rule saved through one hands off the next
 * matching message on the other at once, though the other had just read (and cached) the tenant's rules.
 */
describe('handoff settings across web processes', function () {
  this.timeout(60_000);
  let saving: TestApp;
  let answering: TestApp;
  let ruleId: string | undefined;
  let adminToken: string;

  before(async () => {
    saving = await startTestApp();
    answering = await startTestApp();
    adminToken = (await launch(saving.url, { role: 'admin' })).sessionToken;
  });
  after(async () => {
    if (ruleId && saving)
      await call(saving, `/api/settings/keyword-rules/${ruleId}`, adminToken, { method: 'DELETE' });
    await answering?.stop();
    await saving?.stop();
  });

  const call = (app: TestApp, path: string, token: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${token}`);
    return fetch(`${app.url}${path}`, { ...init, headers });
  };
  const post = (app: TestApp, path: string, token: string, body: unknown) =>
    call(app, path, token, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('a keyword rule saved on one process takes effect on the other immediately', async () => {
    // A phrase of letters no other test writes.
    const tag = randomUUID()
      .replace(/[^a-f]/g, '')
      .slice(0, 6);
    const phrase = `transcript mismatch q${tag}`;
    // Both people launch from the same LMS (one tenant); their sessions are good on either process.
    const learner = await launchWith(saving.url, {
      role: 'learner',
      change: (claims) => {
        claims.sub = `across-${randomUUID()}`;
      },
    });
    const opened = await call(answering, '/api/chat', learner.sessionToken);
    expect(opened.status).to.equal(200);
    const { conversation } = (await opened.json()) as { conversation: { id: string } };
    const send = async (text: string) => {
      const posted = await post(answering, '/api/chat/messages', learner.sessionToken, {
        conversationId: conversation.id,
        clientId: randomUUID(),
        text,
      });
      expect(posted.status).to.equal(201);
      return ((await posted.json()) as { conversation: { status: string } }).conversation.status;
    };
    // The answering process reads the tenant's rules now (and keeps them for a few seconds).
    expect(await send('Where do I find the course calendar?')).to.not.equal('waiting');

    const saved = await post(saving, '/api/settings/keyword-rules', adminToken, {
      pattern: phrase,
      category: 'Records',
      priority: 'high',
    });
    expect(saved.status).to.equal(201);
    ruleId = ((await saved.json()) as { data: { id: string } }).data.id;

    expect(await send(`My record shows a ${phrase} since Monday`)).to.equal('waiting');
  });
});
