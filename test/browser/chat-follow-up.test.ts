import { expect } from 'chai';
import type { Frame } from 'playwright-core';
import type { TestApp } from '../support/app.js';
import { collectPageProblems, openBrowser, reloadFrame } from '../support/browser.js';
import { launchChat } from '../support/chat-page.js';
import { startAppWithDevLms } from '../support/dev-lms-app.js';

/**
 * Waits until the chat shows the loaded preference in this state. A reload may still be replacing the
 * document when the switch is first found, so the state is read in the page, from a switch that is shown.
 */
async function shownAs(frame: Frame, checked: boolean): Promise<void> {
  await frame.waitForFunction((wanted) => {
    const box = document.getElementById('follow-up-pref');
    const input = document.getElementById('follow-up-email') as HTMLInputElement | null;
    return Boolean(box && !box.hidden && input && !input.disabled && input.checked === wanted);
  }, checked);
}

describe("chat page: the learner's follow-up email switch, in Chromium inside the LMS page", function () {
  this.timeout(120_000);
  let app: TestApp;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let lmsUrl: string;

  before(async () => {
    ({ app, lmsUrl } = await startAppWithDevLms());
    browser = await openBrowser({ blockThirdPartyCookies: true });
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('"Email me replies when I\'m away" is on by default, turns off by keyboard, and stays off after a reload', async () => {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    collectPageProblems(page, problems);
    await page.setViewportSize({ width: 390, height: 800 }); // a phone
    const frame = await launchChat(page, lmsUrl);
    const toggle = frame.getByRole('switch', { name: "Email me replies when I'm away" });
    await toggle.waitFor();
    // On by default (read from the page once it shows the loaded preference).
    await shownAs(frame, true);
    expect(await toggle.isChecked()).to.equal(true);
    // Its explanation is tied to it for screen readers.
    expect(await toggle.getAttribute('aria-describedby')).to.equal('follow-up-email-hint');
    expect(await frame.locator('#follow-up-email-hint').textContent()).to.contain('we email you');

    // Keyboard only: focus it and press Space.
    await toggle.focus();
    await page.keyboard.press('Space');
    await frame.waitForFunction(() =>
      document.getElementById('announcer')?.textContent?.includes('will not be emailed'),
    );
    expect(await toggle.isChecked()).to.equal(false);
    if (process.env.SCREENSHOT_DIR)
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/chat-follow-up-off.png`, fullPage: true });

    await reloadFrame(frame);
    const reloaded = frame.getByRole('switch', { name: "Email me replies when I'm away" });
    await reloaded.waitFor();
    await shownAs(frame, false);
    expect(await reloaded.isChecked()).to.equal(false);

    // And back on, by click this time; a reload keeps that too.
    await reloaded.click();
    await frame.waitForFunction(() =>
      document.getElementById('announcer')?.textContent?.includes('will be emailed to you'),
    );
    await reloadFrame(frame);
    const again = frame.getByRole('switch', { name: "Email me replies when I'm away" });
    await again.waitFor();
    await shownAs(frame, true);
    expect(await again.isChecked()).to.equal(true);
    expect(problems).to.deep.equal([]);
    await page.close();
  });
});
