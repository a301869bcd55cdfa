import { expect } from 'chai';
import type { TestApp } from '../support/app.js';
import { openBrowser, reloadFrame } from '../support/browser.js';
import { launchChat } from '../support/chat-page.js';
import { addPasswordHelpArticle, startAppWithDevLms } from '../support/dev-lms-app.js';

describe('learner chat in Chromium, inside the LMS page', function () {
  this.timeout(120_000);
  let app: TestApp;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let lmsUrl: string;

  before(async () => {
    let tenantId: string;
    ({ app, lmsUrl, tenantId } = await startAppWithDevLms());
    await addPasswordHelpArticle(app, tenantId);
    browser = await openBrowser({ blockThirdPartyCookies: true });
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('a learner asks, sees a cited answer, asks for a person and is told when to expect a reply', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 390, height: 800 }); // a phone
    const frame = await launchChat(page, lmsUrl);
    const message = frame.getByRole('textbox', { name: 'Message' });
    await message.waitFor();
    await message.fill('I forgot my password, how do I reset it?');
    await frame.getByRole('button', { name: 'Send' }).click();

    const answer = frame.locator('.message-bot .message-text').last();
    await answer.waitFor({ timeout: 30_000 });
    expect(await answer.textContent()).to.contain('Forgot password');
    expect(await frame.locator('.message-bot .citations').last().textContent()).to.contain(
      'Resetting your password',
    );
    // Announced for screen readers.
    await frame.waitForFunction(() =>
      document.getElementById('announcer')?.textContent?.includes('Forgot password'),
    );
    await frame.getByRole('button', { name: 'Helpful', exact: true }).last().click();
    await frame.waitForFunction(() =>
      document.querySelector('.message-bot:last-of-type .feedback-button[aria-pressed="true"]'),
    );

    await frame.getByRole('button', { name: 'Talk to a person' }).click();
    await frame.locator('#conversation-status').filter({ hasText: 'Waiting for the support team' }).waitFor();
    const handoffLine = frame.locator('.message-system .message-text, .message-bot .message-text').last();
    await frame.waitForFunction(() =>
      /reply/i.test(document.querySelector('.messages li:last-child .message-text')?.textContent ?? ''),
    );
    expect(await handoffLine.textContent()).to.match(/reply/i);
    if (process.env.SCREENSHOT_DIR)
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/chat-phone.png`, fullPage: true });
    await page.close();
  });

  it('a learner who comes back sees the whole thread', async () => {
    const page = await browser.context.newPage();
    const frame = await launchChat(page, lmsUrl);
    await frame.locator('.message-learner').first().waitFor();
    expect(await frame.locator('.message-learner .message-text').first().textContent()).to.contain(
      'I forgot my password',
    );
    // Reloading the tool inside the LMS frame keeps the session (the token lives in the tab, not a cookie).
    await reloadFrame(frame);
    await frame.locator('.message-learner').first().waitFor();
    expect(await frame.getByRole('textbox', { name: 'Message' }).count()).to.equal(1);
    await page.close();
  });
});
