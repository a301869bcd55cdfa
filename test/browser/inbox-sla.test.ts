import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Frame } from 'playwright-core';
import { freePort } from '../../src/app/embedded-services.js';
import { DEV_LMS_CLIENT_ID, DEV_LMS_DEPLOYMENT_ID } from '../../src/devlms/constants.js';
import { indexWorkerEvents } from '../../src/storage/inbox/create-inbox.js';
import { findTenantForDeployment } from '../../src/tenants/tenant.service.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { collectPageProblems, openBrowser, toolFrame } from '../support/browser.js';
import { launchWith } from '../support/lms-client.js';
import { type SlaWorkers, startSlaWorkers, testTenantSla } from '../support/sla.js';

const LEARNER = 'Sara Atrisk';
/** Normal priority's first response: due 20 s after the handoff, its warning at 75 % (15 s). */
const FIRST_RESPONSE_SECONDS = 20;

describe('the inbox in Chromium: a thread moving to At risk, live (real SLA timers)', function () {
  this.timeout(180_000);
  let app: TestApp;
  let lmsUrl: string;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  /** The SLA workers, as a worker process runs them, with targets of seconds. */
  let timers: SlaWorkers;
  const problems: string[] = [];

  before(async () => {
    const port = String(await freePort());
    lmsUrl = `http://127.0.0.1:${port}`;
    app = await startTestApp({ env: { PORT: port, DEV_LMS_URL: lmsUrl } });
    const tenant = await findTenantForDeployment({
      issuer: `${lmsUrl}/dev/lms`,
      clientId: DEV_LMS_CLIENT_ID,
      deploymentId: DEV_LMS_DEPLOYMENT_ID,
    });
    expect(tenant).to.not.equal(null);
    timers = await startSlaWorkers(app, async () =>
      testTenantSla({
        targets: {
          normal: { first_response: FIRST_RESPONSE_SECONDS / 60, next_response: 10, resolution: 60 },
        },
      }),
    );
    indexWorkerEvents({
      conversations: timers.services.conversations,
      redis: timers.services.redis,
      prefix: app.config.REDIS_PREFIX,
    });
    browser = await openBrowser({ blockThirdPartyCookies: true });
  });
  after(async () => {
    await browser?.close();
    await timers?.stop();
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

  /** Waits until a view's count (on its tab) is above `than`. */
  const countAbove = (frame: Frame, view: string, than: number) =>
    frame.waitForFunction(
      ([name, value]) => Number(document.querySelector(`[data-count="${name}"]`)?.textContent || '0') > value,
      [view, than] as const,
      { timeout: 30_000 },
    );
  const countOf = async (frame: Frame, view: string) =>
    Number((await frame.locator(`[data-count="${view}"]`).textContent()) || '0');

  it('shows On track with time left, then the row arrives in At risk (count, words, announcement), then Breached', async () => {
    const admin = await adminInbox({ width: 1100, height: 800 });
    const conversationId = await handOff();
    const row = admin.locator(`#conversation-list button[data-id="${conversationId}"]`);

    // In Needs attention: its clock runs, shown in words with the time left, and the reply-by in the
    // tenant's zone, named (the development LMS's tenant is in New York).
    await row.locator('.item-sla.sla-on_track').waitFor({ timeout: 15_000 });
    expect(await row.locator('.item-sla').textContent()).to.match(/^On track · 1 min left$/);
    expect(await row.locator('.item-reply-by').textContent()).to.match(
      /reply by [\w ]*\d\d:\d\d, New York time/,
    );

    // The admin watches At risk: the warning moves the thread there without a reload.
    const atRiskBefore = await countOf(admin, 'at_risk');
    await admin.getByRole('tab', { name: /^At risk/ }).click();
    await row.locator('.item-sla.sla-at_risk').waitFor({ timeout: 30_000 });
    expect(await row.locator('.sla-state').textContent()).to.equal('At risk');
    expect(await row.locator('.sla-left').textContent()).to.match(/^1 min left$/);
    await countAbove(admin, 'at_risk', atRiskBefore);
    await admin
      .getByRole('status', { name: 'Inbox updates' })
      .getByText(`${LEARNER}: SLA at risk`)
      .waitFor({ timeout: 10_000 });
    if (process.env.SCREENSHOT_DIR)
      await admin.page().screenshot({ path: `${process.env.SCREENSHOT_DIR}/inbox-sla-at-risk.png` });

    // The breach takes it out of At risk and into Breached.
    await row.waitFor({ state: 'detached', timeout: 30_000 });
    await admin.getByRole('tab', { name: /^Breached/ }).click();
    await row.locator('.item-sla.sla-breached').waitFor({ timeout: 15_000 });
    expect(await row.locator('.item-sla').textContent()).to.match(/^Breached · overdue \d+ min$/);

    // The thread's timeline has the timers' staff-only lines; its status line the SLA and the zone.
    await row.click();
    const lines = admin.locator('#history .entry-sla');
    await lines
      .filter({ hasText: /breached/i })
      .first()
      .waitFor({ timeout: 10_000 });
    expect(await lines.first().textContent()).to.match(/SLA \(staff only\).*at risk.*New York time/is);
    expect(await admin.locator('#thread-status').textContent()).to.match(
      /SLA breached, overdue \d+ min · .*New York time/,
    );
    if (process.env.SCREENSHOT_DIR) {
      await admin.page().screenshot({ path: `${process.env.SCREENSHOT_DIR}/inbox-sla-desktop.png` });
      await admin
        .locator('#history')
        .screenshot({ path: `${process.env.SCREENSHOT_DIR}/inbox-sla-timeline.png` });
    }

    const phone = await adminInbox({ width: 390, height: 844 });
    await phone.getByRole('tab', { name: /^Breached/ }).click();
    await phone.locator(`#conversation-list button[data-id="${conversationId}"] .sla-breached`).waitFor();
    if (process.env.SCREENSHOT_DIR)
      await phone.page().screenshot({ path: `${process.env.SCREENSHOT_DIR}/inbox-sla-phone.png` });
    expect(problems).to.deep.equal([]);
  });
});
