import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { Types } from 'mongoose';
import { freePort } from '../../src/app/embedded-services.js';
import { SlaSettingsModel } from '../../src/sla/sla-settings.model.js';
import { invalidateTenantSla } from '../../src/sla/tenant-sla.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { collectPageProblems, openBrowser, openStaffPage, toolFrame } from '../support/browser.js';
import { launch } from '../support/lms-client.js';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/sla-holidays.ics');

/** The tenant id a session token carries (its payload's `tid`). */
const tenantOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')).tid as string;

describe('Settings → Hours and SLAs in Chromium', function () {
  this.timeout(120_000);
  let app: TestApp;
  let lmsUrl: string;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let token: string;
  let tenantId: string;
  const problems: string[] = [];
  const shots = process.env.SCREENSHOT_DIR;

  before(async () => {
    const port = String(await freePort());
    // The LMS on 127.0.0.1 and the tool on localhost: the page runs as a third-party frame, as in an LMS.
    lmsUrl = `http://127.0.0.1:${port}`;
    app = await startTestApp({ env: { PORT: port, DEV_LMS_URL: lmsUrl } });
    token = (await launch(app.url, { role: 'admin' })).sessionToken;
    tenantId = tenantOf(token);
    await SlaSettingsModel.deleteOne({ _id: new Types.ObjectId(tenantId) });
    invalidateTenantSla(tenantId);
    browser = await openBrowser();
    if (shots) mkdirSync(shots, { recursive: true });
  });
  after(async () => {
    // Leave the shared tenant with the default hours other tests expect.
    if (tenantId) await SlaSettingsModel.deleteOne({ _id: new Types.ObjectId(tenantId) });
    invalidateTenantSla();
    await browser?.close();
    await app?.stop();
  });

  const openPage = (viewport?: { width: number; height: number }) =>
    openStaffPage(browser.context, {
      url: `${app.url}/settings/hours`,
      token: token,
      problems,
      viewport,
      ready: (page) => page.getByText('A normal-priority handoff now would be answered by'),
    });

  it('a lead sets hours and a holiday; they persist across a reload', async () => {
    const page = await openPage();
    expect(page.url()).not.to.contain('ltik=');
    await page.getByRole('combobox', { name: "Time zone of your team's hours" }).fill('America/New_York');

    // Saturday gets a morning period; Monday keeps 9–17.
    await page.getByRole('button', { name: 'Add period to Saturday' }).click();
    await page.getByLabel('Saturday period 1 opens').fill('10:00');
    await page.getByLabel('Saturday period 1 closes').fill('14:00');

    await page.getByRole('textbox', { name: 'Name' }).first().fill('Founders <b>Day</b>');
    await page.getByLabel('From', { exact: true }).first().fill('2027-02-15');
    await page.getByRole('button', { name: 'Add closure' }).click();
    await page.getByRole('row', { name: /Founders <b>Day<\/b>/ }).waitFor();

    await page.getByRole('button', { name: 'Save hours and SLAs' }).click();
    await page.locator('#save-status').getByText('Saved.').waitFor();
    if (shots) await page.screenshot({ path: `${shots}/settings-hours-desktop.png`, fullPage: true });

    // Reload: the page finds its session again and shows what the server stored.
    await page.reload();
    await page.getByText('A normal-priority handoff now would be answered by').waitFor();
    const row = page.getByRole('row', { name: /Founders <b>Day<\/b>/ });
    await row.waitFor();
    await row.getByRole('cell', { name: '2027-02-15' }).first().waitFor();
    expect(await page.locator('#closures-body b').count()).to.equal(0); // the name stays text
    expect(await page.getByLabel('Saturday period 1 opens').inputValue()).to.equal('10:00');
    expect(await page.getByLabel('Saturday period 1 closes').inputValue()).to.equal('14:00');
    expect(
      await page.getByRole('combobox', { name: "Time zone of your team's hours" }).inputValue(),
    ).to.equal('America/New_York');
    await page
      .getByText(/New York time/)
      .first()
      .waitFor();

    const stored = await SlaSettingsModel.findOne({ _id: new Types.ObjectId(tenantId) }).lean();
    expect(stored?.weeklyHours.sat).to.deep.equal([{ start: '10:00', end: '14:00' }]);
    expect(stored?.closures).to.deep.equal([
      { name: 'Founders <b>Day</b>', start: '2027-02-15', end: '2027-02-15', source: 'manual' },
    ]);
    expect(problems).to.deep.equal([]);
    await page.close();
  });

  it('imports closures from an .ics file, with its status, saved at once', async () => {
    const page = await openPage();
    await page.getByLabel('Calendar file').setInputFiles(FIXTURE);
    await page.getByRole('button', { name: 'Import file' }).click();
    await page
      .locator('#ics-status-text')
      .getByText(/^Imported \d+ closures? from sla-holidays\.ics/)
      .waitFor();
    const christmas = page.getByRole('row', { name: /Christmas Day/ });
    expect(await christmas.count()).to.be.greaterThan(0);
    await christmas.first().getByRole('cell', { name: 'Calendar import' }).waitFor();
    await page.reload();
    await page
      .getByRole('row', { name: /Christmas Day/ })
      .first()
      .waitFor();
    await page.getByRole('row', { name: /Founders/ }).waitFor(); // the typed closure stays
    expect(problems).to.deep.equal([]);
    await page.close();
  });

  it('shows a refused save beside the field, and nothing changes', async () => {
    const page = await openPage();
    await page.getByRole('button', { name: 'Add period to Monday' }).click();
    await page.getByLabel('Monday period 2 opens').fill('12:00');
    await page.getByLabel('Monday period 2 closes').fill('13:00');
    await page.getByRole('button', { name: 'Save hours and SLAs' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'weeklyHours.mon[1]' });
    await alert.getByText('12:00–13:00 overlaps 09:00–17:00 on Monday').waitFor();
    // The message also sits beside the period, which is marked invalid and described by it.
    const opens = page.getByLabel('Monday period 2 opens');
    expect(await opens.getAttribute('aria-invalid')).to.equal('true');
    const describedBy = (await opens.getAttribute('aria-describedby')) ?? '';
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).to.equal(
      '12:00–13:00 overlaps 09:00–17:00 on Monday',
    );
    if (shots) await page.screenshot({ path: `${shots}/settings-hours-error.png` });
    await page.reload();
    await page.getByText('A normal-priority handoff now would be answered by').waitFor();
    expect(await page.getByLabel('Monday period 2 opens').count()).to.equal(0);
    expect(problems).to.deep.equal([]);
    await page.close();
  });

  it('fits a phone screen', async () => {
    const page = await openPage({ width: 375, height: 740 });
    // The parts drawn on demand fit too: an academic period with its own week, a rule.
    await page.getByRole('button', { name: 'Add academic period' }).click();
    await page.getByRole('button', { name: 'Add rule' }).click();
    if (shots) {
      await page.screenshot({ path: `${shots}/settings-hours-phone.png` });
      await page.getByRole('heading', { name: 'Holidays and closures' }).scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${shots}/settings-hours-phone-closures.png` });
      await page.getByRole('heading', { name: 'SLA policies' }).scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${shots}/settings-hours-phone-policies.png` });
      await page.getByRole('heading', { name: 'Policy rules' }).scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${shots}/settings-hours-phone-rules.png` });
      await page.setViewportSize({ width: 1100, height: 800 });
      await page.screenshot({ path: `${shots}/settings-hours-desktop-full.png`, fullPage: true });
    }
    const wide = await page.evaluate(() =>
      Array.from(document.querySelectorAll('main *'))
        .filter((node) => node.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map(
          (node) =>
            `${node.tagName}.${node.className}#${node.id} ${Math.round(node.getBoundingClientRect().right)}`,
        )
        .slice(0, 8),
    );
    expect(wide).to.deep.equal([]);
    await page.close();
  });

  it('opens inside the LMS frame from the Handoff settings page', async () => {
    const page = await browser.context.newPage();
    collectPageProblems(page, problems);
    await page.goto(`${lmsUrl}/dev/lms`);
    await page.getByRole('button', { name: 'Launch as admin' }).click();
    const inbox = await toolFrame(page, '/inbox');
    await inbox.getByRole('link', { name: 'Handoff settings' }).click();
    const settings = await toolFrame(page, '/settings');
    await settings.getByRole('link', { name: 'Hours and SLAs' }).click();
    const hours = await toolFrame(page, '/settings/hours');
    await hours.getByText('A normal-priority handoff now would be answered by').waitFor();
    await hours.getByRole('row', { name: /Founders/ }).waitFor();
    expect(problems).to.deep.equal([]);
    await page.close();
  });
});
