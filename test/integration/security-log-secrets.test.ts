import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { createLogger } from '../../src/lib/logger.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { authorize, beginLaunch, postLaunch } from '../support/lms-client.js';
import { scanLines } from '../support/log-capture.js';
import { FakeOpenAI } from '../support/openai-fake.js';
import { api } from '../support/people.js';
import {
  type HttpReceiver,
  type SmtpReceiver,
  startHttpReceiver,
  startSmtpReceiver,
} from '../support/receivers.js';
import { launchInto, newInstitution } from '../support/tenants.js';

const secretValue = (prefix: string) => `${prefix}${randomBytes(18).toString('base64url')}`;

/**
 * Every line the app and its in-process worker log at debug level while a launch, a chat with a model, a
 * handoff and notification settings (SMTP with a password, a webhook with its signing secret, a Slack URL)
 * go through; then each secret value is searched for in them.
 */
describe('security: secrets never appear in the logs', function () {
  this.timeout(120_000);
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    name: 'log-scan',
    destination: { write: (line: string) => lines.push(line) },
  });
  const secrets: Record<string, string> = {
    LTI_ENCRYPTION_KEY: secretValue('lti-key-'),
    OPENAI_API_KEY: secretValue('sk-test-'),
    'SMTP password': secretValue('smtp-pass-'),
    'Slack webhook URL path': secretValue('T0SECRET'),
  };
  let app: TestApp;
  let smtp: SmtpReceiver;
  let http: HttpReceiver;
  const fake = new FakeOpenAI();

  before(async () => {
    smtp = await startSmtpReceiver();
    http = await startHttpReceiver();
    await fake.start();
    const smtpUrl = new URL(smtp.url);
    smtpUrl.username = 'chatref';
    smtpUrl.password = secrets['SMTP password'] as string;
    app = await startTestApp({
      worker: true,
      logger,
      env: {
        LTI_ENCRYPTION_KEY: secrets.LTI_ENCRYPTION_KEY as string,
        OPENAI_API_KEY: secrets.OPENAI_API_KEY as string,
        OPENAI_BASE_URL: fake.url,
        SMTP_URL: smtpUrl.toString(),
        NOTIFY_ATTEMPTS: '1',
        NOTIFY_BACKOFF_MS: '20',
        MONGODB_SLOW_MS: '0',
      },
    });
  });
  after(async () => {
    await app?.stop();
    await smtp?.close();
    await http?.close();
    await fake.stop();
  });

  it('a launch, a chat, a handoff and notification settings log no secret', async () => {
    // A launch whose id token and session token we keep.
    const step = await beginLaunch(app.url, { role: 'learner' });
    const { fields } = await authorize(step);
    secrets.id_token = fields.id_token as string;
    const launched = await postLaunch(step, fields);
    expect(launched.status).to.equal(303);
    const learner = new URL(launched.headers.get('location') ?? '', app.url).searchParams.get('ltik') ?? '';
    secrets['learner session token'] = learner;
    // The first page load carries the token in its URL, as after every launch.
    expect((await fetch(`${app.url}/chat?ltik=${encodeURIComponent(learner)}`)).status).to.equal(200);

    // A chat answered by the model (the key travels to it).
    const opened = await api(app, learner, '/api/chat');
    const conversationId = opened.body.conversation.id as string;
    const posted = await api(app, learner, '/api/chat/messages', {
      method: 'POST',
      body: { conversationId, clientId: `c-${randomUUID()}`, text: 'How do I reset my password?' },
    });
    expect(posted.status, posted.text).to.equal(201);

    // A lead saves channels: email through SMTP with a password, a webhook (its secret is shown once), Slack.
    // Notifications in an institution of this test's own: other tests' channels and settings stay apart.
    const institution = await newInstitution(app, 'Log scan');
    const lead = await launchInto(app, institution, { role: 'admin', name: 'Logan Lead' });
    secrets['admin session token'] = lead.token;
    const saved = await api(app, lead, '/api/settings/notifications', {
      method: 'PUT',
      body: {
        channels: [
          { type: 'email', name: 'Desk', target: 'desk@example.edu', kinds: ['handoff_new'] },
          { type: 'webhook', name: 'Hook', target: `${http.url}/hook/ok`, kinds: ['handoff_new'] },
          {
            type: 'slack',
            name: 'Slack',
            target: `${http.url}/services/${secrets['Slack webhook URL path']}`,
            kinds: ['handoff_new'],
          },
        ],
      },
    });
    expect(saved.status, saved.text).to.equal(200);
    const hook = saved.body.data.channels.find((channel: { type: string }) => channel.type === 'webhook');
    secrets['webhook secret'] = saved.body.data.secrets[hook.id];
    expect(secrets['webhook secret']).to.match(/^whsec_/);
    for (const channel of saved.body.data.channels as Array<{ id: string }>) {
      const test = await api(app, lead, '/api/settings/notifications/test', {
        method: 'POST',
        body: { channelId: channel.id },
      });
      expect(test.status, test.text).to.equal(200);
    }

    // The model fails once: errors of HTTP clients are where request headers (the API key) leak.
    fake.mode = '500';
    const mark = lines.length;
    const failed = await api(app, learner, '/api/chat/messages', {
      method: 'POST',
      body: { conversationId, clientId: `c-${randomUUID()}`, text: 'And my grades?' },
    });
    expect(failed.status, failed.text).to.equal(201);
    await eventually(
      () => lines.slice(mark).some((line) => /"level":(40|50)/.test(line)),
      'the failed model call to be logged',
    );
    fake.mode = 'ok';

    // A handoff: the worker delivers it through every channel (the webhook signed with its secret); the
    // mail server and Slack fail, so their errors (which name servers and URLs) are logged as dead letters.
    smtp.failNext(5);
    http.respondWith(500, Number.POSITIVE_INFINITY, '/services/');
    const asker = await launchInto(app, institution, { role: 'learner', name: 'Ada Asker' });
    const askerThread = (await api(app, asker, '/api/chat')).body.conversation.id as string;
    const asked = await api(app, asker, '/api/chat/messages', {
      method: 'POST',
      body: {
        conversationId: askerThread,
        clientId: `c-${randomUUID()}`,
        text: 'My quiz shows the wrong grade',
      },
    });
    expect(asked.status, asked.text).to.equal(201);
    const handed = await api(app, asker, '/api/chat/handoff', {
      method: 'POST',
      body: { conversationId: askerThread },
    });
    expect(handed.status, handed.text).to.equal(200);
    await eventually(
      () => http.requests.filter((request) => request.path.startsWith('/hook/ok')).length >= 2,
      'the webhook delivery of the handoff',
    );
    await eventually(async () => {
      const letters = await api(app, lead, '/api/settings/notifications/dead-letters');
      return letters.body.data.length >= 2;
    }, 'the failed email and Slack deliveries to become dead letters');

    // Refused requests carrying secrets are logged too: a bad token, a token in a state-changing URL.
    await fetch(`${app.url}/api/chat`, { headers: { authorization: `Bearer ${learner}x` } });
    await fetch(`${app.url}/api/chat/preferences?ltik=${encodeURIComponent(learner)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ followUpEmail: true }),
    });

    // The scan means something only if the logs saw all of it.
    const text = lines.join('');
    expect(text).to.contain('/lti/launch');
    expect(text).to.contain('/api/chat/messages');
    expect(text).to.contain('/api/settings/notifications');
    expect(fake.requests.length, 'the model was called').to.be.greaterThan(0);
    const findings = scanLines(lines, 'this test', secrets);
    expect(findings.map((finding) => `line ${finding.line}: ${finding.what}`)).to.deep.equal([]);
  });
});
