import { expect } from 'chai';
import { Types } from 'mongoose';
import type { Page } from 'playwright-core';
import { HandoffSettingsModel } from '../../src/handoff/handoff-settings.model.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { collectPageProblems, openBrowser } from '../support/browser.js';
import { launch } from '../support/lms-client.js';
import { tenantOfSession } from '../support/session-claims.js';

/** The configured limit of this run, and a tenant's lower limit for learners' messages. */
const LIMIT = 500;
const LEARNER_LIMIT = 300;

describe('page scripts as modules from our origin, and the one message length limit, in Chromium', function () {
  this.timeout(120_000);
  let app: TestApp;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let admin: string;
  /** CSP refusals and script errors of every page. */
  const problems: string[] = [];
  /** Our scripts and styles that did not load (an error status or a failed request). */
  const missing: string[] = [];

  const call = async (token: string, path: string, method = 'GET', body?: unknown) => {
    const response = await fetch(`${app.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status, `${method} ${path}`).to.be.below(400);
    return response.json();
  };

  before(async () => {
    app = await startTestApp({ env: { MESSAGE_MAX_CHARS: String(LIMIT) } });
    admin = (await launch(app.url, { role: 'admin' })).sessionToken;
    browser = await openBrowser();
  });
  after(async () => {
    // The test database is shared: the tenant's learner limit goes back to unset (each process's own
    // MESSAGE_MAX_CHARS), written directly because this process refuses a limit above its 500.
    if (admin)
      await HandoffSettingsModel.updateOne(
        { tenantId: new Types.ObjectId(tenantOfSession(admin)) },
        { $unset: { 'settings.maxMessageLength': 1 } },
      );
    await browser?.close();
    await app?.stop();
  });

  async function open(
    path: string,
    token: string,
    viewport?: { width: number; height: number },
  ): Promise<Page> {
    const page = await browser.context.newPage();
    if (viewport) await page.setViewportSize(viewport);
    collectPageProblems(page, problems);
    const ours = (url: string) => new URL(url).pathname.startsWith('/public/');
    page.on('response', (response) => {
      if (ours(response.url()) && response.status() >= 400)
        missing.push(`${response.status()} ${response.url()}`);
    });
    page.on('requestfailed', (request) => {
      if (ours(request.url())) missing.push(`failed ${request.url()}`);
    });
    await page.goto(`${app.url}${path}?ltik=${encodeURIComponent(token)}`);
    return page;
  }

  it('every page loads its scripts as modules from our origin and runs them', async () => {
    for (const path of [
      '/inbox',
      '/inbox/setup',
      '/knowledge',
      '/insights',
      '/leads',
      '/settings',
      '/settings/notifications',
      '/settings/hours',
    ]) {
      const page = await open(path, admin);
      const scripts = await page.evaluate(() =>
        Array.from(document.querySelectorAll('script[src]')).map((script) => ({
          src: (script as HTMLScriptElement).src,
          type: (script as HTMLScriptElement).type,
        })),
      );
      for (const script of scripts) expect(new URL(script.src).origin, path).to.equal(app.url);
      expect(
        scripts.some((script) => script.type === 'module'),
        `${path} has a module script`,
      ).to.equal(true);
      // The shared session module ran (module scripts run before DOMContentLoaded, so before goto returns).
      expect(await page.evaluate(() => typeof window.chatref?.api), path).to.equal('function');
      const preloads = await page.evaluate(() =>
        Array.from(document.querySelectorAll('link[rel="modulepreload"]')).map(
          (link) => new URL((link as HTMLLinkElement).href).pathname,
        ),
      );
      if (preloads.length) {
        // The page announces its whole module graph, so the browser fetches it at once.
        const loaded = await page.evaluate(() =>
          performance
            .getEntriesByType('resource')
            .map((entry) => new URL(entry.name).pathname)
            .filter((name) => name.startsWith('/public/js/')),
        );
        const entries = scripts.map((script) => new URL(script.src).pathname);
        expect(
          loaded.filter((name) => !entries.includes(name)).sort(),
          `${path} preloads every module it loads`,
        ).to.deep.equal([...preloads].sort());
      }
      await page.close();
    }
    expect(missing).to.deep.equal([]);
    expect(problems).to.deep.equal([]);
  });

  it("the chat box takes the tenant's lower limit for learners and shows a counter near it", async () => {
    await call(admin, '/api/settings/handoff', 'PATCH', { maxMessageLength: LEARNER_LIMIT });
    const learner = (await launch(app.url, { role: 'learner' })).sessionToken;
    const page = await open('/chat', learner, { width: 390, height: 800 });
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.waitFor();
    expect(await box.getAttribute('maxlength')).to.equal(String(LEARNER_LIMIT));
    const counter = page.locator('[data-length-for="message"]');
    expect((await counter.textContent())?.trim()).to.equal('');

    await box.fill('a'.repeat(LEARNER_LIMIT - 60));
    await counter.filter({ hasText: `${LEARNER_LIMIT - 60} / ${LEARNER_LIMIT}` }).waitFor();
    await box.fill('a'.repeat(LEARNER_LIMIT));
    // At the limit, screen readers hear the rule in words (the visible counter says the numbers).
    await counter
      .locator('[aria-live="polite"]')
      .filter({ hasText: `at most ${LEARNER_LIMIT} characters` })
      .waitFor();
    if (process.env.SCREENSHOT_DIR)
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/chat-length-limit.png`, fullPage: true });
    await page.close();
    expect(missing).to.deep.equal([]);
    expect(problems).to.deep.equal([]);
  });

  it('staff reply and note boxes take the configured limit, with the same counter', async () => {
    const learner = (await launch(app.url, { role: 'learner' })).sessionToken;
    const { conversation } = await call(learner, '/api/chat');
    await call(learner, '/api/chat/handoff', 'POST', { conversationId: conversation.id });

    const page = await open('/inbox', admin);
    expect(await page.locator('#reply').getAttribute('maxlength')).to.equal(String(LIMIT));
    expect(await page.locator('#note').getAttribute('maxlength')).to.equal(String(LIMIT));
    await page.locator(`button.conversation-item[data-id="${conversation.id}"]`).click();
    const note = page.getByRole('textbox', { name: 'Internal note' });
    await note.waitFor();
    await note.fill('n'.repeat(LIMIT - 50));
    await page
      .locator('[data-length-for="note"]')
      .filter({ hasText: `${LIMIT - 50} / ${LIMIT}` })
      .waitFor();
    if (process.env.SCREENSHOT_DIR)
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/inbox-length-limit.png`, fullPage: true });
    await page.close();
    expect(missing).to.deep.equal([]);
    expect(problems).to.deep.equal([]);
  });
});
