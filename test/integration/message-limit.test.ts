import { expect } from 'chai';
import { Types } from 'mongoose';
import {
  HandoffSettingsModel,
  type HandoffSettingsRecord,
} from '../../src/handoff/handoff-settings.model.js';
import { apiCall } from '../support/api.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { launch } from '../support/lms-client.js';
import { tenantOfSession } from '../support/session-claims.js';

/** This process's MESSAGE_MAX_CHARS: not the default (4000), so only a limit taken from its config passes. */
const LIMIT = 500;

describe("the message limit is the web process's MESSAGE_MAX_CHARS, for messages and the tenant's learner limit", function () {
  this.timeout(60_000);
  let app: TestApp;
  let admin: string;
  let learner: string;
  let tenantId: string;
  /** The development tenant's stored settings before this test (the database is shared). */
  let saved: HandoffSettingsRecord | null = null;

  before(async () => {
    app = await startTestApp({ env: { MESSAGE_MAX_CHARS: String(LIMIT) } });
    admin = (await launch(app.url, { role: 'admin' })).sessionToken;
    learner = (await launch(app.url, { role: 'learner' })).sessionToken;
    tenantId = tenantOfSession(admin);
    const filter = { tenantId: new Types.ObjectId(tenantId) };
    saved = await HandoffSettingsModel.findOne(filter).lean<HandoffSettingsRecord>();
    // A tenant that never set a learner limit (read before this process caches the settings).
    await HandoffSettingsModel.updateOne(filter, { $unset: { 'settings.maxMessageLength': 1 } });
  });

  after(async () => {
    if (tenantId) {
      const filter = { tenantId: new Types.ObjectId(tenantId) };
      if (saved) await HandoffSettingsModel.updateOne(filter, { $set: { settings: saved.settings } });
      else await HandoffSettingsModel.deleteOne(filter);
    }
    await app?.stop();
  });

  const settings = (body?: unknown) =>
    apiCall(
      app.url,
      admin,
      '/api/settings/handoff',
      body === undefined ? {} : { method: 'PATCH', body: JSON.stringify(body) },
    );

  it('a tenant may lower the learner limit to MESSAGE_MAX_CHARS, never raise it above', async () => {
    expect((await settings()).body.data.maxMessageLength, 'the default learner limit').to.equal(LIMIT);
    const above = await settings({ maxMessageLength: LIMIT + 1 });
    expect(above.status).to.equal(400);
    expect(above.body.error.message).to.equal(
      `maxMessageLength: must be at most ${LIMIT} (MESSAGE_MAX_CHARS)`,
    );
    expect((await settings()).body.data.maxMessageLength, 'nothing saved').to.equal(LIMIT);
    const lower = await settings({ maxMessageLength: LIMIT - 100 });
    expect(lower.status).to.equal(200);
    expect(lower.body.data.maxMessageLength).to.equal(LIMIT - 100);
    expect((await settings({ maxMessageLength: LIMIT })).status).to.equal(200);
  });

  it('a learner message or a staff reply over MESSAGE_MAX_CHARS is a 400 naming the text', async () => {
    const opened = await apiCall(app.url, learner, '/api/chat');
    const conversationId: string = opened.body.conversation.id;
    const tooLong = 'x'.repeat(LIMIT + 1);
    const message = await apiCall(app.url, learner, '/api/chat/messages', {
      method: 'POST',
      body: JSON.stringify({ conversationId, clientId: 'limit-learner-0001', text: tooLong }),
    });
    expect(message.status).to.equal(400);
    expect(message.body.error.message).to.equal(`text: must be at most ${LIMIT} characters`);
    const reply = await apiCall(app.url, admin, `/api/inbox/conversations/${conversationId}/reply`, {
      method: 'POST',
      body: JSON.stringify({ clientId: 'limit-reply-0001', text: tooLong }),
    });
    expect(reply.status).to.equal(400);
    expect(reply.body.error.message).to.equal(`text: must be at most ${LIMIT} characters`);
  });
});
