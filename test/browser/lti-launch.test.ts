import { expect } from 'chai';
import { freePort } from '../../src/app/embedded-services.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { openBrowser, reloadFrame, toolFrame } from '../support/browser.js';

describe('launching from an LMS page in Chromium with third-party cookies blocked', function () {
  this.timeout(90_000);
  let app: TestApp;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let lmsUrl: string;

  before(async () => {
    const port = String(await freePort());
    // The LMS lives on 127.0.0.1, the tool on localhost: different sites, so the tool is a third party.
    lmsUrl = `http://127.0.0.1:${port}`;
    app = await startTestApp({ env: { PORT: port, DEV_LMS_URL: lmsUrl } });
    browser = await openBrowser({ blockThirdPartyCookies: true });
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  const roles: Array<[string, string, string]> = [
    ['Launch as learner', '/chat', 'textbox'],
    ['Launch as instructor', '/chat', 'textbox'],
    ['Launch as admin', '/inbox', 'region'],
  ];
  for (const [button, path, landmark] of roles) {
    it(`"${button}" lands on ${path} inside the LMS iframe, through platform storage`, async () => {
      const page = await browser.context.newPage();
      await page.goto(`${lmsUrl}/dev/lms`);
      await page.getByRole('button', { name: button }).click();
      const frame = await toolFrame(page, path);
      if (landmark === 'textbox') {
        await frame.getByRole('textbox', { name: 'Message' }).waitFor();
        expect(await frame.getByRole('main').count()).to.be.greaterThan(0);
      } else {
        await frame.getByRole('region', { name: 'Conversations' }).waitFor();
      }
      if (path === '/inbox') {
        // From the inbox an admin reaches the knowledge base without a new launch.
        await frame.getByRole('link', { name: 'Knowledge' }).click();
        await frame.getByRole('table', { name: 'Knowledge sources' }).waitFor();
        return page.close();
      }
      // Reloading the tool inside the LMS keeps the session.
      await reloadFrame(frame);
      await (landmark === 'textbox'
        ? frame.getByRole('textbox', { name: 'Message' })
        : frame.getByRole('region', { name: 'Conversations' })
      ).waitFor();
      await page.close();
    });
  }

  it('without platform storage the blocked cookie is explained, and "Open Chatref in a new window" completes the launch', async () => {
    const page = await browser.context.newPage();
    // An LMS that does not offer platform storage: the login request carries no lti_storage_target.
    // (Playwright cannot intercept the redirected login request itself, so rewrite the LMS's redirect.)
    await page.route(/\/dev\/lms\/launch/, async (route) => {
      const response = await route.fetch({ maxRedirects: 0 });
      const location = new URL(response.headers().location ?? '');
      location.searchParams.delete('lti_storage_target');
      await route.fulfill({ response, headers: { ...response.headers(), location: location.toString() } });
    });
    await page.goto(`${lmsUrl}/dev/lms`);
    await page.getByRole('button', { name: 'Launch as learner' }).click();
    const frame = await toolFrame(page, '/lti/launch');
    await frame.getByText('Your browser blocked the cookie that protects this launch.').waitFor();
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      frame.getByRole('link', { name: 'Open Chatref in a new window' }).click(),
    ]);
    await popup.waitForURL(/\/chat/, { timeout: 15_000 });
    await popup.getByRole('textbox', { name: 'Message' }).waitFor();
    await page.close();
  });
});
