import { expect } from 'chai';
import { requestNotifications } from '../../src/notify/notifier.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { openBrowser, openStaffPage } from '../support/browser.js';
import { launch } from '../support/lms-client.js';
import { type HttpReceiver, startHttpReceiver } from '../support/receivers.js';

describe('the Settings → Notifications page in Chromium', function () {
  this.timeout(120_000);
  let app: TestApp;
  let http: HttpReceiver;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let token: string;
  let tenantId: string;
  const problems: string[] = [];

  before(async () => {
    http = await startHttpReceiver();
    app = await startTestApp({ worker: true, env: { NOTIFY_ATTEMPTS: '2', NOTIFY_BACKOFF_MS: '20' } });
    token = (await launch(app.url, { role: 'admin' })).sessionToken;
    tenantId = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).tid;
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    await http?.close();
  });

  const openPage = (viewport?: { width: number; height: number }) =>
    openStaffPage(browser.context, {
      url: `${app.url}/settings/notifications`,
      token: token,
      problems,
      viewport,
      ready: (page) => page.getByRole('table', { name: 'Channels' }),
    });

  it('a lead adds Slack and webhook channels, sees a dead letter and presses Retry', async () => {
    http.respondWith(404, Number.POSITIVE_INFINITY, '/slack/');
    const page = await openPage();
    await page.getByText('No channels yet').waitFor();

    // A bad URL is refused beside the form, naming the field.
    await page.getByRole('combobox', { name: 'Type' }).selectOption('slack');
    await page.getByRole('textbox', { name: 'Name' }).fill('Slack #lms-help');
    await page.getByRole('textbox', { name: /Slack incoming webhook URL/ }).fill('ftp://hooks.example/x');
    await page.getByRole('button', { name: 'Add channel' }).click();
    await page
      .getByRole('alert')
      .getByText(/channels\.0\.target: only http/)
      .waitFor();

    await page
      .getByRole('textbox', { name: /Slack incoming webhook URL/ })
      .fill(`${http.url}/slack/T0/B0/secretpart`);
    await page.getByRole('checkbox', { name: 'New handoff' }).check();
    await page.getByRole('button', { name: 'Add channel' }).click();
    await page.getByRole('status').getByText('Channel Slack #lms-help added.').waitFor();
    const table = page.getByRole('table', { name: 'Channels' });
    const slackRow = table.getByRole('row', { name: /Slack #lms-help/ });
    await slackRow.getByRole('cell', { name: `${http.url}/…part` }).waitFor();
    await slackRow
      .getByRole('cell', { name: /New handoff, Urgent handoff, SLA breach, Escalation, Digest/ })
      .waitFor();

    // A webhook's signing secret is shown once.
    await page.getByRole('combobox', { name: 'Type' }).selectOption('webhook');
    await page.getByRole('textbox', { name: 'Name' }).fill('Helpdesk <hook>');
    await page.getByRole('textbox', { name: /Webhook URL/ }).fill(`${http.url}/hook`);
    await page.getByRole('button', { name: 'Add channel' }).click();
    const secret = page.locator('#secret-value');
    await secret.waitFor();
    expect(await secret.textContent()).to.match(/^whsec_[A-Za-z0-9_-]{32}$/);
    await table.getByRole('row', { name: /Helpdesk <hook>/ }).waitFor();

    // Send test: the webhook receiver gets it; Slack's 404 is said beside the table.
    await table
      .getByRole('row', { name: /Helpdesk <hook>/ })
      .getByRole('button', { name: /^Send test/ })
      .click();
    await page.getByRole('status').getByText('Test sent to Helpdesk <hook>.').waitFor();
    await http.waitFor(
      (r) => r.path === '/hook' && (r.json as { title?: string }).title === 'Chatref test notification',
    );
    await slackRow.getByRole('button', { name: /^Send test/ }).click();
    await page
      .getByRole('alert')
      .getByText(/Test to Slack #lms-help failed: Slack answered 404/)
      .waitFor();

    // A notification to the dead Slack URL becomes a dead letter after its last try.
    await requestNotifications(
      { queues: app.runtime.queues, config: app.config },
      { tenantId, kind: 'handoff_urgent', key: `browser-dead-${Date.now()}` },
    );
    // Wait (bounded) until the delivery has used its tries, then open the page again.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const listed = await fetch(`${app.url}/api/settings/notifications/dead-letters`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (((await listed.json()) as { data: unknown[] }).data.length > 0) break;
      if (Date.now() > deadline) throw new Error('no dead letter appeared');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await page.reload();
    const deadTable = page.getByRole('table', { name: 'Failed deliveries (dead letters)' });
    const row = deadTable.getByRole('row', { name: /Urgent handoff/ });
    await row.first().waitFor();
    await row
      .first()
      .getByRole('cell', { name: /Slack answered 404/ })
      .waitFor();
    if (process.env.SCREENSHOT_DIR)
      await page.screenshot({
        path: `${process.env.SCREENSHOT_DIR}/settings-notifications.png`,
        fullPage: true,
      });

    http.respondWith(200, Number.POSITIVE_INFINITY, '/slack/');
    await row
      .first()
      .getByRole('button', { name: /^Retry/ })
      .click();
    await page
      .getByRole('status')
      .getByText(/^Retrying /)
      .waitFor();
    await page.getByText('No failed deliveries.').waitFor();
    await http.waitFor((r) => r.path.startsWith('/slack/') && r.status === 200);
    expect(problems).to.deep.equal([]);
    await page.close();
  });

  it('works on a phone and by keyboard', async () => {
    const page = await openPage({ width: 390, height: 844 });
    await page
      .getByRole('table', { name: 'Channels' })
      .getByRole('row', { name: /Slack #lms-help/ })
      .waitFor();
    await page.getByRole('combobox', { name: 'Type' }).focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal('channel-name');
    if (process.env.SCREENSHOT_DIR)
      await page.screenshot({
        path: `${process.env.SCREENSHOT_DIR}/settings-notifications-phone.png`,
        fullPage: true,
      });
    expect(problems).to.deep.equal([]);
    await page.close();
  });
});
