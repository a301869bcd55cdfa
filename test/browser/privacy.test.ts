import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { ConversationModel } from '../../src/conversations/conversation.model.js';
import { TenantModel } from '../../src/tenants/tenant.model.js';
import { UserModel } from '../../src/users/user.model.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { openBrowser, openStaffPage } from '../support/browser.js';
import { handOff, type Person } from '../support/people.js';
import { type Institution, launchInto, newInstitution } from '../support/tenants.js';

describe('Settings → Data and privacy in Chromium', function () {
  this.timeout(180_000);
  let app: TestApp;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let school: Institution;
  let admin: Person;
  let learner: Person;
  let thread: string;
  const problems: string[] = [];

  before(async () => {
    app = await startTestApp({ worker: true });
    school = await newInstitution(app, 'Privacy page school');
    admin = await launchInto(app, school, { role: 'admin', name: 'Ada <b>Admin</b>' });
    learner = await launchInto(app, school, {
      role: 'learner',
      name: 'Lea <img src=x onerror=alert(1)>',
      email: `lea-page-${Date.now()}@example.edu`,
    });
    thread = await handOff(app, learner, 'Please erase me later');
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  const openPage = (viewport?: { width: number; height: number }) =>
    openStaffPage(browser.context, {
      url: `${app.url}/settings/privacy`,
      token: admin.token,
      problems,
      viewport,
      ready: (page) => page.getByRole('heading', { name: 'Keeping conversations' }),
    });

  it('an admin sets the retention days (a wrong value is refused beside the field) and clears them', async () => {
    const page = await openPage();
    const days = page.getByRole('spinbutton', { name: 'Delete finished conversations after (days)' });
    expect(await days.inputValue()).to.equal('');
    await days.fill('0');
    await page.getByRole('button', { name: 'Save' }).click();
    await page
      .getByRole('alert')
      .getByText(/a whole number from 1 to 3650/)
      .waitFor();
    await days.fill('45');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('finished conversations are deleted 45 days').waitFor();
    expect((await TenantModel.findById(admin.tenantId).lean())?.retentionDays).to.equal(45);
    await page.reload();
    await page.getByRole('heading', { name: 'Keeping conversations' }).waitFor();
    await page.waitForFunction(
      () => (document.getElementById('retention-days') as HTMLInputElement).value === '45',
    );
    await days.fill('');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved: conversations are kept.').waitFor();
    expect((await TenantModel.findById(admin.tenantId).lean())?.retentionDays).to.equal(null);
    await page.close();
  });

  it('finds a person, downloads their data, and erases them after confirming, with progress and result', async () => {
    const page = await openPage();
    await page.getByRole('textbox', { name: 'Email address or user id' }).fill(learner.email ?? '');
    await page.getByRole('button', { name: 'Find' }).click();
    const row = page.getByRole('table', { name: 'People found' }).getByRole('row', { name: /Lea/ });
    // The name is shown as text: no element from it.
    await row.getByRole('rowheader', { name: 'Lea <img src=x onerror=alert(1)>' }).waitFor();
    expect(await page.locator('#people img').count()).to.equal(0);
    await row.getByRole('cell', { name: '1', exact: true }).waitFor();

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      row.getByRole('button', { name: /^Download data/ }).click(),
    ]);
    const exported = JSON.parse(await readFile((await download.path()) as string, 'utf8'));
    expect(exported.profile.email).to.equal(learner.email);
    expect(exported.conversations[0].messages.map((m: { text: string }) => m.text)).to.include(
      'Please erase me later',
    );

    // Cancelling keeps everything; confirming needs the box ticked.
    await row.getByRole('button', { name: /^Erase…/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Erase this person?' });
    await dialog.getByText('1 conversation with every message').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await UserModel.exists({ _id: learner.userId })).to.not.equal(null);

    await row.getByRole('button', { name: /^Erase…/ }).click();
    await dialog.getByRole('button', { name: 'Erase everything' }).click();
    await dialog.getByRole('alert').getByText('Tick the box to confirm').waitFor();
    await dialog.getByRole('checkbox', { name: 'I understand this cannot be undone' }).check();
    if (process.env.SCREENSHOT_DIR)
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/privacy-confirm.png`, fullPage: true });
    await dialog.getByRole('button', { name: 'Erase everything' }).click();
    await page
      .locator('#erase-state')
      .getByText(/: erased\.$/)
      .waitFor({ timeout: 60_000 });
    await page.getByRole('listitem').getByText('1 conversation, ').waitFor();
    if (process.env.SCREENSHOT_DIR)
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/privacy-erased.png`, fullPage: true });
    expect(await UserModel.exists({ _id: learner.userId })).to.equal(null);
    expect(await ConversationModel.exists({ _id: thread })).to.equal(null);
    await page.close();
  });

  it('works on a phone, and learners are refused the page', async () => {
    const page = await openPage({ width: 390, height: 844 });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).to.be.at.most(390);
    if (process.env.SCREENSHOT_DIR)
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/privacy-phone.png`, fullPage: true });
    await page.close();
    const other = await launchInto(app, school, { role: 'learner', name: 'Nosy Learner' });
    const response = await fetch(`${app.url}/settings/privacy?ltik=${encodeURIComponent(other.token)}`);
    expect(response.status).to.equal(403);
    expect(problems).to.deep.equal([]);
  });
});
