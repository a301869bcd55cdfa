import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Frame } from 'playwright-core';
import { freePort } from '../../src/app/embedded-services.js';
import {
  type ConversationDomain,
  ConversationModel,
  createConversationDomain,
} from '../../src/conversations/index.js';
import { DEV_LMS_CLIENT_ID, DEV_LMS_DEPLOYMENT_ID } from '../../src/devlms/constants.js';
import type { NewEvent } from '../../src/events/catalog.js';
import { indexWorkerEvents } from '../../src/inbox/index.js';
import { findTenantForDeployment } from '../../src/tenants/tenant.service.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { collectPageProblems, openBrowser, toolFrame } from '../support/browser.js';
import { launchWith } from '../support/lms-client.js';
import { quietLogger } from '../support/services.js';

const LEARNER = 'Sara Atrisk';

describe('the inbox in Chromium: a thread moving to At risk, live', function () {
  this.timeout(180_000);
  let app: TestApp;
  let lmsUrl: string;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  /** The worker side: SLA events come from its bus, as the timers emit them. */
  let worker: ConversationDomain;
  const problems: string[] = [];

  before(async () => {
    // No worker in this process: the test plays the timers, so no real clock races its events.
    const port = String(await freePort());
    lmsUrl = `http://127.0.0.1:${port}`;
    app = await startTestApp({ env: { PORT: port, DEV_LMS_URL: lmsUrl } });
    const tenant = await findTenantForDeployment({
      issuer: `${lmsUrl}/dev/lms`,
      clientId: DEV_LMS_CLIENT_ID,
      deploymentId: DEV_LMS_DEPLOYMENT_ID,
    });
    expect(tenant).to.not.equal(null);
    worker = createConversationDomain({
      redis: app.runtime.redis,
      prefix: app.config.REDIS_PREFIX,
      logger: quietLogger,
    });
    indexWorkerEvents({ conversations: worker, redis: app.runtime.redis, prefix: app.config.REDIS_PREFIX });
    browser = await openBrowser({ blockThirdPartyCookies: true });
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function adminInbox(viewport: { width: number; height: number }): Promise<Frame> {
    const page = await browser.context.newPage();
    collectPageProblems(page, problems);
    await page.setViewportSize(viewport);
    await page.goto(`${lmsUrl}/dev/lms`);
    await page.getByRole('button', { name: 'Launch as admin' }).click();
    const frame = await toolFrame(page, '/inbox');
    await frame
      .locator('#conversation-list[aria-busy="false"]')
      .waitFor({ state: 'attached', timeout: 15_000 });
    return frame;
  }

  /** A learner of Demo University asks for a person (over the API: the browser is the admin's). */
  async function handOff(): Promise<string> {
    const { sessionToken } = await launchWith(app.url, {
      role: 'learner',
      lmsUrl,
      change: (claims) => {
        claims.sub = `sla-browser-${randomUUID()}`;
        claims.name = LEARNER;
        claims.given_name = 'Sara';
        claims.family_name = 'Atrisk';
      },
    });
    const call = async (path: string, body?: unknown) => {
      const response = await fetch(`${app.url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${sessionToken}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      expect(response.status, path).to.be.lessThan(300);
      return response.json() as Promise<{ conversation: { id: string } }>;
    };
    const conversationId = (await call('/api/chat')).conversation.id;
    await call('/api/chat/messages', {
      conversationId,
      clientId: randomUUID(),
      text: 'I need a person please',
    });
    await call('/api/chat/handoff', { conversationId });
    return conversationId;
  }

  async function emitSla(
    conversationId: string,
    name: 'sla.updated' | 'sla.warned',
    state: string,
    dueAt: string,
  ) {
    const thread = await ConversationModel.findById(conversationId).lean();
    if (!thread) throw new Error('no thread');
    const sla = { state, target: 'first_response', dueAt };
    await worker.bus.emit({
      tenantId: String(thread.tenantId),
      name,
      conversationId,
      courseId: thread.courseId ? String(thread.courseId) : undefined,
      userId: String(thread.user.userId),
      actor: { role: 'system' },
      payload: name === 'sla.updated' ? { sla } : { sla, target: 'first_response', dueAt, late: false },
    } as NewEvent);
  }

  it('shows the SLA state and time left, and moves the row into At risk with its count, without a reload', async () => {
    const admin = await adminInbox({ width: 1100, height: 800 });
    const conversationId = await handOff();
    const row = admin.locator(`#conversation-list button[data-id="${conversationId}"]`);
    await row.waitFor({ timeout: 15_000 });

    const dueAt = new Date(Date.now() + 32 * 60_000 + 30_000).toISOString();
    await emitSla(conversationId, 'sla.updated', 'on_track', dueAt);
    await row.locator('.item-sla.sla-on_track').waitFor({ timeout: 15_000 });
    expect(await row.locator('.item-sla').textContent()).to.match(/^On track · 3[23] min left$/);
    // Reply-by in the tenant's zone, named (the development LMS's tenant is in New York).
    expect(await row.locator('.item-reply-by').textContent()).to.match(
      /reply by [\w ]*\d\d:\d\d, New York time/,
    );

    // The admin watches the At risk view: the thread is not there yet.
    const atRiskTab = admin.getByRole('tab', { name: /^At risk/ });
    await atRiskTab.click();
    await admin.locator('#conversation-list[aria-busy="false"]').waitFor({ state: 'attached' });
    const countBefore = Number((await atRiskTab.locator('.count').textContent()) || '0');
    await row.waitFor({ state: 'detached' });

    await emitSla(conversationId, 'sla.warned', 'at_risk', dueAt);
    // The row appears in At risk, in words, with the count up by one and an announcement.
    await row.locator('.item-sla.sla-at_risk').waitFor({ timeout: 15_000 });
    expect(await row.locator('.sla-state').textContent()).to.equal('At risk');
    expect(await row.locator('.sla-left').textContent()).to.match(/^3[123] min left$/);
    await atRiskTab.locator('.count', { hasText: String(countBefore + 1) }).waitFor({ timeout: 10_000 });
    await admin
      .getByRole('status', { name: 'Inbox updates' })
      .getByText(`${LEARNER}: SLA at risk`)
      .waitFor({ timeout: 10_000 });

    // The thread's timeline shows the warning as a staff line, the due time in the tenant's zone.
    await row.click();
    const line = admin.locator('#history .entry-sla');
    await line.waitFor({ timeout: 10_000 });
    expect(await line.textContent()).to.match(
      /SLA warning: first response due [\w ]*\d\d:\d\d, New York time/,
    );
    expect(await admin.locator('#thread-status').textContent()).to.match(/SLA at risk, 3[123] min left/);
    if (process.env.SCREENSHOT_DIR)
      await admin.page().screenshot({ path: `${process.env.SCREENSHOT_DIR}/inbox-sla-desktop.png` });

    const phone = await adminInbox({ width: 390, height: 844 });
    await phone.getByRole('tab', { name: /^At risk/ }).click();
    await phone.locator(`#conversation-list button[data-id="${conversationId}"] .sla-at_risk`).waitFor();
    if (process.env.SCREENSHOT_DIR)
      await phone.page().screenshot({ path: `${process.env.SCREENSHOT_DIR}/inbox-sla-phone.png` });
    expect(problems).to.deep.equal([]);
  });
});
