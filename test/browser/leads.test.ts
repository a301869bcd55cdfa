import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { Types } from 'mongoose';
import { LeadModel } from '../../src/leads/lead.model.js';
import type { TestApp } from '../support/app.js';
import { collectPageProblems, openBrowser, toolFrame } from '../support/browser.js';
import { startAppWithDevLms } from '../support/dev-lms-app.js';

const PROSPECT = 'Can I get a demo of your platform for our 3 campuses? We want pricing.';

describe('lead capture card in the chat and the Leads page, in Chromium inside the LMS page', function () {
  this.timeout(180_000);
  let app: TestApp;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let lmsUrl: string;
  let tenantId: string;
  const problems: string[] = [];
  const shots = process.env.SCREENSHOT_DIR;

  before(async () => {
    // The product as shipped: its own lead detector.
    ({ app, lmsUrl, tenantId } = await startAppWithDevLms());
    browser = await openBrowser({ blockThirdPartyCookies: true });
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('a prospect on a phone is offered the card, says no thanks, asks again and sends their details with the keyboard', async () => {
    const page = await browser.context.newPage();
    collectPageProblems(page, problems);
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${lmsUrl}/dev/lms`);
    await page.getByRole('button', { name: 'Launch as learner' }).click();
    const frame = await toolFrame(page, '/chat');
    const message = frame.getByRole('textbox', { name: 'Message' });
    await message.waitFor();
    await message.fill(PROSPECT);
    await message.press('Enter');

    const card = frame.getByRole('form', { name: 'Contact our team' });
    await card.waitFor({ timeout: 30_000 });
    expect(await frame.locator('.message-bot .message-text').last().textContent()).to.contain(
      'put you in touch with our team',
    );
    // The card arrived live: typing goes on in its first field.
    await frame.waitForFunction(() => document.activeElement?.id === 'lead-name');
    await card.getByRole('button', { name: 'No thanks' }).click();
    await card.waitFor({ state: 'detached' });
    await frame.waitForFunction(() => document.activeElement?.id === 'message');
    await frame.waitForFunction(() =>
      document.getElementById('announcer')?.textContent?.includes('keep chatting'),
    );

    await message.fill('Actually, could we see a demo before we buy for our school?');
    await message.press('Enter');
    await card.waitFor({ timeout: 30_000 });
    await frame.waitForFunction(() => document.activeElement?.id === 'lead-name');
    // Sent empty: each field says what to fix and the first one takes the focus.
    await card.getByRole('button', { name: 'Send my details' }).click();
    await card.getByText('Enter your name.').waitFor();
    expect(await card.getByRole('textbox', { name: 'Work email' }).getAttribute('aria-invalid')).to.equal(
      'true',
    );
    await card.getByText('Tick the box to agree to be contacted.').waitFor();
    await frame.waitForFunction(() => document.activeElement?.id === 'lead-name');
    if (shots) await page.screenshot({ path: `${shots}/lead-card-errors-phone.png`, fullPage: true });

    await page.keyboard.type('Pat Prospect');
    await page.keyboard.press('Tab');
    await page.keyboard.type('pat@northfield.edu');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Northfield Schools');
    await page.keyboard.press('Tab');
    await page.keyboard.type('IT director');
    await page.keyboard.press('Tab');
    await page.keyboard.type('A pilot in three campuses');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    expect(await card.getByRole('checkbox', { name: /may contact me/ }).isChecked()).to.equal(true);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');

    await card.waitFor({ state: 'detached' });
    await frame
      .locator('.message-bot .message-text', {
        hasText: 'Thank you, Pat Prospect. Our team will contact you at pat@northfield.edu.',
      })
      .waitFor();
    await frame.waitForFunction(() =>
      document.getElementById('announcer')?.textContent?.includes('Thank you'),
    );
    // No answer from the documents, and the thread never went to the support team.
    expect(await frame.locator('#conversation-status').isHidden()).to.equal(true);
    if (shots) await page.screenshot({ path: `${shots}/lead-card-sent-phone.png`, fullPage: true });
    await page.close();
    expect(problems).to.deep.equal([]);
  });

  it('an administrator opens Leads from the inbox, changes the status, takes the lead, adds a note, filters and exports', async () => {
    const page = await browser.context.newPage();
    collectPageProblems(page, problems);
    await page.goto(`${lmsUrl}/dev/lms`);
    await page.getByRole('button', { name: 'Launch as admin' }).click();
    const inbox = await toolFrame(page, '/inbox');
    await inbox.getByRole('link', { name: 'Leads' }).click();
    const frame = await toolFrame(page, '/leads');
    const table = frame.getByRole('table', { name: 'Leads' });
    const row = table.getByRole('row').filter({ hasText: 'Northfield Schools' });
    await row.waitFor();
    expect(await row.textContent()).to.contain('pat@northfield.edu');
    expect(await row.textContent()).to.contain('New');
    if (shots) await page.screenshot({ path: `${shots}/leads-page.png`, fullPage: true });

    await row.getByRole('button', { name: /Open lead from Pat Prospect, Northfield Schools/ }).click();
    const detail = frame.getByRole('region', { name: 'Pat Prospect, Northfield Schools' });
    await detail.waitFor();
    await frame.waitForFunction(() => document.activeElement?.id === 'lead-detail');
    expect(await detail.textContent()).to.contain('could we see a demo');
    await detail.getByRole('combobox', { name: 'Status' }).selectOption('contacted');
    await detail.getByRole('button', { name: 'Save' }).click();
    await frame.waitForFunction(() =>
      document.getElementById('announcer')?.textContent?.includes('Lead saved.'),
    );
    await row.getByText('Contacted').waitFor();

    await detail.getByRole('button', { name: 'Take ownership' }).click();
    await frame.waitForFunction(() => document.getElementById('announcer')?.textContent?.includes('You own'));
    expect(await row.getByRole('cell').nth(1).textContent()).not.to.equal('Nobody');

    await detail.getByRole('textbox', { name: 'Add a note' }).fill('Called, wants a quote by Friday');
    await detail.getByRole('button', { name: 'Add note' }).click();
    await detail.getByRole('list').getByText('Called, wants a quote by Friday').waitFor();
    if (shots) await page.screenshot({ path: `${shots}/leads-detail.png`, fullPage: true });

    const download = page.waitForEvent('download');
    await frame.getByRole('button', { name: 'Export CSV' }).click();
    const file = await download;
    expect(file.suggestedFilename()).to.match(/^leads-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = await readFile((await file.path()) ?? '', 'utf8');
    expect(csv).to.contain('Northfield Schools');
    expect(csv).to.contain('contacted');
    expect(csv).to.contain('Called, wants a quote by Friday');

    await frame.getByRole('combobox', { name: 'Show' }).selectOption('new');
    await frame.getByText('No new leads.').waitFor();
    await frame.getByRole('combobox', { name: 'Show' }).selectOption('contacted');
    await row.waitFor();

    // At a phone's width the rows become labelled cards.
    await page.setViewportSize({ width: 390, height: 800 });
    if (shots) await page.screenshot({ path: `${shots}/leads-page-phone.png`, fullPage: true });

    // A prospect who declined the form is listed too, as an enquiry without contact details.
    const now = new Date();
    await LeadModel.collection.insertOne({
      _id: new Types.ObjectId(),
      tenantId: new Types.ObjectId(tenantId),
      conversationId: new Types.ObjectId(),
      userId: new Types.ObjectId(),
      message: 'Could we see a demo before we buy?',
      signals: ['demo'],
      score: 0.8,
      stage: 'declined',
      askedAt: now,
      declinedAt: now,
      status: 'new',
      notes: [],
      version: 0,
      createdAt: now,
      updatedAt: now,
    });
    await page.setViewportSize({ width: 1100, height: 800 });
    await frame.getByRole('combobox', { name: 'Show' }).selectOption('');
    const declined = table.getByRole('row').filter({ hasText: 'No details (declined the form)' });
    await declined.waitFor();
    await declined
      .getByRole('button', { name: /Open lead from enquiry “Could we see a demo before we buy\?”/ })
      .click();
    await frame.getByRole('region', { name: 'Enquiry “Could we see a demo before we buy?”' }).waitFor();
    if (shots) await page.screenshot({ path: `${shots}/leads-declined.png`, fullPage: true });
    await page.close();
    expect(problems).to.deep.equal([]);
  });
});
