import { expect } from 'chai';
import { Types } from 'mongoose';
import { HandoffConfigService } from '../../src/handoff/handoff-config.service.js';
import { DEFAULT_HANDOFF_SETTINGS } from '../../src/handoff/handoff-settings.model.js';
import { KeywordRuleModel } from '../../src/handoff/keyword-rule.model.js';
import type { HandoffSettingsDto, KeywordRuleDto } from '../../src/http/routes/settings.routes.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { launch } from '../support/lms-client.js';

describe('handoff settings API over HTTP', function () {
  this.timeout(60_000);
  let app: TestApp;
  let adminToken: string;
  let learnerToken: string;
  const created: string[] = [];

  before(async () => {
    app = await startTestApp();
    adminToken = (await launch(app.url, { role: 'admin' })).sessionToken;
    learnerToken = (await launch(app.url, { role: 'learner' })).sessionToken;
    expect(adminToken).to.not.equal('');
    expect(learnerToken).to.not.equal('');
  });
  after(async () => {
    if (app) {
      // Leave the shared tenant as other tests expect it: defaults, no rules of ours.
      const { humanRequest, lowConfidence, keywordRules, schedule, reopenWindowDays } =
        DEFAULT_HANDOFF_SETTINGS;
      await call(
        '/api/settings/handoff',
        json('PATCH', { humanRequest, lowConfidence, keywordRules, schedule, reopenWindowDays }),
      );
      await KeywordRuleModel.deleteMany({ _id: { $in: created.map((id) => new Types.ObjectId(id)) } });
    }
    await app?.stop();
  });

  const call = (path: string, init: RequestInit = {}, token = adminToken) => {
    const headers = new Headers(init.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    return fetch(`${app.url}${path}`, { ...init, headers });
  };
  const json = (method: string, body: unknown): RequestInit => ({
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  async function createRule(body: Record<string, unknown>) {
    const response = await call('/api/settings/keyword-rules', json('POST', body));
    const payload = (await response.json()) as {
      data: KeywordRuleDto;
      error?: { code: string; message: string };
    };
    if (response.status === 201) created.push(payload.data.id);
    return { status: response.status, body: payload };
  }

  it('lets an admin create a rule and lists it, with notify targets parsed from text', async () => {
    const { status, body } = await createRule({
      pattern: "can't access",
      category: 'Access',
      priority: 'high',
      notify: 'lms-team@example.edu, https://hooks.slack.com/services/T0/B0/x',
    });
    expect(status).to.equal(201);
    expect(body.data).to.include({
      kind: 'phrase',
      pattern: "can't access",
      category: 'Access',
      priority: 'high',
      enabled: true,
    });
    expect(body.data.notify).to.deep.equal([
      { type: 'email', target: 'lms-team@example.edu' },
      { type: 'slack', target: 'https://hooks.slack.com/services/T0/B0/x' },
    ]);
    expect(body.data).to.not.have.property('tenantId');

    const list = await call('/api/settings/keyword-rules');
    expect(list.status).to.equal(200);
    const rules = ((await list.json()) as { data: KeywordRuleDto[] }).data;
    expect(rules.map((r) => r.id)).to.include(body.data.id);
  });

  it('updates only the fields sent and deletes a rule', async () => {
    const { body } = await createRule({
      kind: 'regex',
      pattern: 'refund(s)?',
      category: 'Billing',
      priority: 'low',
    });
    const patched = await call(
      `/api/settings/keyword-rules/${body.data.id}`,
      json('PATCH', { enabled: false }),
    );
    expect(patched.status).to.equal(200);
    const rule = ((await patched.json()) as { data: KeywordRuleDto }).data;
    expect(rule).to.include({
      enabled: false,
      kind: 'regex',
      pattern: 'refund(s)?',
      category: 'Billing',
      priority: 'low',
    });

    const removed = await call(`/api/settings/keyword-rules/${body.data.id}`, { method: 'DELETE' });
    expect(removed.status).to.equal(204);
    const again = await call(`/api/settings/keyword-rules/${body.data.id}`, { method: 'DELETE' });
    expect(again.status).to.equal(404);
  });

  it('refuses learners with 403', async () => {
    for (const [path, init] of [
      ['/api/settings/keyword-rules', {}],
      ['/api/settings/handoff', {}],
      ['/api/settings/keyword-rules', json('POST', { pattern: 'x', category: 'y' })],
      ['/api/settings/handoff', json('PATCH', { keywordRules: { enabled: false } })],
    ] as const) {
      const response = await call(path, init, learnerToken);
      expect(response.status, `${init.method ?? 'GET'} ${path}`).to.equal(403);
    }
    const page = await call('/settings', { headers: { accept: 'text/html' } }, learnerToken);
    expect(page.status).to.equal(403);
  });

  it('refuses an unsafe regular expression with 422 and the reason', async () => {
    const { status, body } = await createRule({ kind: 'regex', pattern: '(a+)+$', category: 'Anything' });
    expect(status).to.equal(422);
    expect(body.error?.code).to.equal('unprocessable');
    expect(body.error?.message).to.be.a('string').and.not.equal('');
  });

  it('refuses invalid input with 400 naming the problem', async () => {
    const missing = await createRule({ pattern: 'grades' });
    expect(missing.status).to.equal(400);
    expect(missing.body.error?.message).to.match(/category/);
    const badNotify = await createRule({ pattern: 'grades', category: 'Grades', notify: 'not an address' });
    expect(badNotify.status).to.equal(400);
    expect(badNotify.body.error?.message).to.contain('not an address');
  });

  it("answers 404 for another tenant's rule and leaves it alone", async () => {
    const otherTenant = new Types.ObjectId().toHexString();
    const service = new HandoffConfigService({ cacheMs: 0 });
    const theirs = await service.createRule(otherTenant, { pattern: 'exam leak', category: 'Integrity' });
    try {
      const path = `/api/settings/keyword-rules/${theirs.id}`;
      expect((await call(path, json('PATCH', { enabled: false }))).status).to.equal(404);
      expect((await call(path, { method: 'DELETE' })).status).to.equal(404);
      expect((await call('/api/settings/keyword-rules/not-an-id', { method: 'DELETE' })).status).to.equal(
        404,
      );
      const list = (await (await call('/api/settings/keyword-rules')).json()) as { data: KeywordRuleDto[] };
      expect(list.data.map((r) => r.id)).to.not.include(theirs.id);
      const [stored] = await service.listRules(otherTenant);
      expect(stored).to.include({ id: theirs.id, enabled: true });
    } finally {
      await service.deleteRule(otherTenant, theirs.id);
    }
  });

  it('persists a settings patch, keeping the fields not sent', async () => {
    const response = await call(
      '/api/settings/handoff',
      json('PATCH', {
        lowConfidence: { confidenceThreshold: 0.45, streak: { learner: 3 } },
        schedule: { enabled: false },
        reopenWindowDays: 14,
      }),
    );
    expect(response.status).to.equal(200);
    const read = await call('/api/settings/handoff');
    const settings = ((await read.json()) as { data: HandoffSettingsDto }).data;
    expect(settings.lowConfidence).to.deep.equal({
      enabled: true,
      confidenceThreshold: 0.45,
      streak: { learner: 3, instructor: 1, admin: 1 },
    });
    expect(settings.schedule.enabled).to.equal(false);
    expect(settings.humanRequest.enabled).to.equal(true);
    expect(settings.reopenWindowDays).to.equal(14);

    const bad = await call('/api/settings/handoff', json('PATCH', { reopenWindowDays: 365 }));
    expect(bad.status).to.equal(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).to.contain(
      'reopenWindowDays',
    );
  });

  it('hands a learner\'s thread off when a message matches a new rule ("grade error")', async () => {
    const { status } = await createRule({ pattern: 'grade error', category: 'Grades', priority: 'high' });
    expect(status).to.equal(201);

    const opened = await call('/api/chat', {}, learnerToken);
    expect(opened.status).to.equal(200);
    const { conversation } = (await opened.json()) as { conversation: { id: string } };
    const posted = await call(
      '/api/chat/messages',
      json('POST', {
        conversationId: conversation.id,
        clientId: `settings-${Date.now()}`,
        text: 'I think there is a grade error in my quiz',
      }),
      learnerToken,
    );
    expect(posted.status).to.equal(201);
    const body = (await posted.json()) as { conversation: { id: string; status: string } };
    expect(body.conversation.id).to.equal(conversation.id);
    expect(body.conversation.status).to.equal('waiting');
  });
});
