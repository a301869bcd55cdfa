import { expect } from 'chai';
import type { TestApp } from '../support/app.js';
import { collectPageProblems, openBrowser, reloadFrame, toolFrame } from '../support/browser.js';
import { startAppWithDevLms } from '../support/dev-lms-app.js';

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
    await page.goto(`${lmsUrl}/dev/lms`);
    await page.getByRole('button', { name: 'Launch as learner' }).click();
    const frame = await toolFrame(page, '/chat');
    const toggle = frame.getByRole('switch', { name: "Email me replies when I'm away" });
    await toggle.waitFor();
    // On by default: the switch shows once the stored preference has loaded (read from the page itself,
    // so a frame still settling after the launch cannot answer for a half-loaded document).
    await frame.waitForFunction(() => {
      const box = document.getElementById('follow-up-pref');
      const input = document.getElementById('follow-up-email') as HTMLInputElement | null;
      return Boolean(box && !box.hidden && input?.checked && !input.disabled);
    });
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
    expect(await reloaded.isChecked()).to.equal(false);

    // And back on, by click this time; a reload keeps that too.
    await reloaded.click();
    await frame.waitForFunction(() =>
      document.getElementById('announcer')?.textContent?.includes('will be emailed to you'),
    );
    await reloadFrame(frame);
    const again = frame.getByRole('switch', { name: "Email me replies when I'm away" });
    await again.waitFor();
    expect(await again.isChecked()).to.equal(true);
    expect(problems).to.deep.equal([]);
    await page.close();
  });
});
