import { expect } from 'chai';
import { Types } from 'mongoose';
import type { Page } from 'playwright-core';
import { KeywordRuleModel } from '../../src/handoff/keyword-rule.model.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { collectPageProblems, openBrowser } from '../support/browser.js';
import { launch } from '../support/lms-client.js';

describe('the admin Handoff settings page in Chromium', function () {
  this.timeout(90_000);
  let app: TestApp;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let token: string;
  /** Console messages of every page, to catch CSP refusals and script errors. */
  const problems: string[] = [];
  const created: string[] = [];

  before(async () => {
    app = await startTestApp();
    token = (await launch(app.url, { role: 'admin' })).sessionToken;
    browser = await openBrowser();
  });
  after(async () => {
    await KeywordRuleModel.deleteMany({ _id: { $in: created.map((id) => new Types.ObjectId(id)) } });
    await browser?.close();
    await app?.stop();
  });

  async function openPage(viewport?: { width: number; height: number }): Promise<Page> {
    const page = await browser.context.newPage();
    if (viewport) await page.setViewportSize(viewport);
    collectPageProblems(page, problems);
    page.on('response', async (response) => {
      if (response.request().method() === 'POST' && response.url().endsWith('/api/settings/keyword-rules')) {
        const body = (await response.json().catch(() => null)) as { data?: { id: string } } | null;
        if (body?.data?.id) created.push(body.data.id);
      }
    });
    await page.goto(`${app.url}/settings?ltik=${encodeURIComponent(token)}`);
    await page.getByRole('table', { name: 'Keyword rules' }).waitFor();
    return page;
  }

  it('adds a rule through the form, lists it, disables and deletes it', async () => {
    const page = await openPage();
    expect(page.url()).not.to.contain('ltik=');
    const status = page.getByRole('status');

    await page.getByRole('textbox', { name: 'Phrase or pattern' }).fill('grade <b>error</b>');
    await page.getByRole('textbox', { name: 'Category' }).fill('Grades');
    await page.getByRole('combobox', { name: 'Priority' }).selectOption('high');
    await page
      .getByRole('textbox', { name: 'Notify (emails or webhook URLs, comma-separated)' })
      .fill('grades@example.edu');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await status.getByText('Rule "grade <b>error</b>" added.').waitFor();

    const table = page.getByRole('table', { name: 'Keyword rules' });
    const row = table.getByRole('row', { name: /grade <b>error<\/b>/ });
    await row.waitFor();
    await row.getByRole('cell', { name: 'Grades', exact: true }).waitFor();
    await row.getByRole('cell', { name: 'High', exact: true }).waitFor();
    await row.getByRole('cell', { name: 'grades@example.edu' }).waitFor();
    expect(await page.locator('#rules b').count()).to.equal(0);

    await row.getByRole('button', { name: /^Disable/ }).click();
    await status.getByText('Rule "grade <b>error</b>" disabled.').waitFor();
    await row.getByRole('cell', { name: 'Off', exact: true }).waitFor();

    // The list comes from the server: opening the page again shows the same rule, still off.
    await page.close();
    const again = await openPage();
    const reloaded = again.getByRole('row', { name: /grade <b>error<\/b>/ });
    await reloaded.getByRole('cell', { name: 'Off', exact: true }).waitFor();
    await reloaded.getByRole('button', { name: /^Delete/ }).click();
    await again.getByRole('status').getByText('Rule "grade <b>error</b>" deleted.').waitFor();
    expect(await again.getByRole('row', { name: /grade <b>error<\/b>/ }).count()).to.equal(0);
    expect(problems).to.deep.equal([]);
    await again.close();
  });

  it('shows why an unsafe regular expression was refused', async () => {
    const page = await openPage();
    await page.getByRole('textbox', { name: 'Phrase or pattern' }).fill('(a+)+$');
    await page.getByRole('checkbox', { name: 'Regular expression' }).check();
    await page.getByRole('textbox', { name: 'Category' }).fill('Anything');
    await page.getByRole('button', { name: 'Add rule' }).click();
    const alert = page.locator('#rule-error');
    await alert.waitFor();
    expect((await alert.textContent())?.trim()).to.not.equal('');
    expect(
      await page.getByRole('textbox', { name: 'Phrase or pattern' }).getAttribute('aria-invalid'),
    ).to.equal('true');
    expect(problems.filter((p) => !/422/.test(p))).to.deep.equal([]);
    await page.close();
  });

  it('saves trigger settings at phone width', async () => {
    const page = await openPage({ width: 375, height: 740 });
    const triggers = page.getByRole('group', { name: 'Triggers' });
    const keywords = triggers.getByRole('checkbox', { name: 'Hand off on keyword rules' });
    await page.waitForFunction(
      () => (document.getElementById('reopen-days') as HTMLInputElement).value !== '',
    );
    expect(await keywords.isChecked()).to.equal(true);
    await triggers.getByRole('spinbutton', { name: 'Reopen window (days after resolving)' }).fill('10');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').getByText('Settings saved.').waitFor();
    // Nothing overflows sideways on a phone.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).to.be.at.most(0);

    await page.close();
    const again = await openPage({ width: 375, height: 740 });
    const reopen = again.getByRole('spinbutton', { name: 'Reopen window (days after resolving)' });
    await again.waitForFunction(
      () => (document.getElementById('reopen-days') as HTMLInputElement).value !== '',
    );
    expect(await reopen.inputValue()).to.equal('10');
    // Back to the default for other tests.
    await reopen.fill('7');
    await again.getByRole('button', { name: 'Save settings' }).click();
    await again.getByRole('status').getByText('Settings saved.').waitFor();
    await again.close();
  });
});
