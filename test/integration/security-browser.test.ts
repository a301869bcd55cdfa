import { expect } from 'chai';
import { freePort } from '../../src/app/embedded-services.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { collectPageProblems, openBrowser, toolFrame } from '../support/browser.js';
import { eventually } from '../support/eventually.js';
import { launch } from '../support/lms-client.js';

/**
 * What the security headers mean in a real browser: the tool framed by an LMS on another site, its launch
 * cookie, its scripts under the CSP, its state-changing calls with the session header.
 */
describe('security in Chromium: cross-site launch cookie, CSP, session header', function () {
  this.timeout(120_000);
  let app: TestApp;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let lmsUrl: string;
  /** CSP refusals (securitypolicyviolation events and console reports) and script errors of every page. */
  const problems: string[] = [];

  before(async () => {
    const port = String(await freePort());
    // The LMS lives on 127.0.0.1, the tool on localhost: different sites, so the tool is a third party.
    lmsUrl = `http://127.0.0.1:${port}`;
    app = await startTestApp({ env: { PORT: port, DEV_LMS_URL: lmsUrl } });
    // Third-party cookies allowed (the browser setting many people have): the launch cookie must work cross-site.
    browser = await openBrowser({ allowThirdPartyCookies: true });
    await browser.context.exposeBinding('reportViolation', (_source, text: string) => {
      problems.push(text);
    });
    await browser.context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        (window as unknown as { reportViolation(text: string): void }).reportViolation(
          `CSP ${event.violatedDirective} blocked ${event.blockedURI || 'inline'} in ${event.sourceFile}:${event.lineNumber}`,
        );
      });
    });
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('a learner launched inside the LMS iframe by the SameSite=None cookie alone chats with the session header', async () => {
    const page = await browser.context.newPage();
    collectPageProblems(page, problems);
    // No platform storage offered: the launch can only be bound to this browser by the cross-site cookie.
    await page.route(/\/dev\/lms\/launch/, async (route) => {
      const response = await route.fetch({ maxRedirects: 0 });
      const location = new URL(response.headers().location ?? '');
      location.searchParams.delete('lti_storage_target');
      await route.fulfill({ response, headers: { ...response.headers(), location: location.toString() } });
    });
    const apiCalls: Array<{ method: string; url: string; authorization?: string; status: number }> = [];
    page.on('response', (response) => {
      const request = response.request();
      if (new URL(request.url()).pathname.startsWith('/api/'))
        apiCalls.push({
          method: request.method(),
          url: request.url(),
          authorization: request.headers().authorization,
          status: response.status(),
        });
    });
    await page.goto(`${lmsUrl}/dev/lms`);
    await page.getByRole('button', { name: 'Launch as learner' }).click();
    const frame = await toolFrame(page, '/chat');
    const box = frame.getByRole('textbox', { name: 'Message' });
    await box.waitFor();
    await box.fill('How do I reset my password?');
    const posted = page.waitForResponse(
      (response) => response.url().endsWith('/api/chat/messages') && response.request().method() === 'POST',
    );
    await box.press('Enter');
    expect((await posted).status()).to.equal(201);
    const changing = apiCalls.filter((call) => call.method !== 'GET');
    expect(changing.length).to.be.greaterThan(0);
    for (const call of changing) {
      expect(call.authorization, call.url).to.match(/^Bearer /);
      expect(call.url, 'no session token in the URL of a state-changing call').not.to.contain('ltik=');
    }
    expect(problems).to.deep.equal([]);
    await page.close();
  });

  it('every page runs under the CSP without a single refusal', async () => {
    const admin = (await launch(app.url, { role: 'admin' })).sessionToken;
    const pages: Array<[string, string]> = [
      ['/inbox', 'Conversations'],
      ['/inbox/setup', ''],
      ['/knowledge', ''],
      ['/insights', ''],
      ['/leads', ''],
      ['/settings', ''],
      ['/settings/hours', ''],
      ['/settings/notifications', ''],
    ];
    for (const [path] of pages) {
      const page = await browser.context.newPage();
      collectPageProblems(page, problems);
      const response = await page.goto(`${app.url}${path}?ltik=${encodeURIComponent(admin)}`);
      expect(response?.status(), path).to.be.oneOf([200, 403]);
      // Module scripts run before the load event; their CSP refusals are reported by then.
      await page.waitForLoadState('load');
      expect(problems, path).to.deep.equal([]);
      await page.close();
    }
  });

  it('an inline script would be refused and reported (the checks above can see a refusal)', async () => {
    const admin = (await launch(app.url, { role: 'admin' })).sessionToken;
    const page = await browser.context.newPage();
    const seen: string[] = [];
    collectPageProblems(page, seen);
    await page.goto(`${app.url}/inbox?ltik=${encodeURIComponent(admin)}`);
    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.injected = true';
      document.body.append(script);
    });
    expect(await page.evaluate(() => (window as unknown as { injected?: boolean }).injected)).to.equal(
      undefined,
    );
    // Reported both as a console message and as a securitypolicyviolation event.
    await eventually(() => seen.length > 0 && problems.length > 0, 'the refusal to be reported');
    problems.length = 0;
    await page.close();
  });
});
