import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { KnowledgeService, KnowledgeSourceModel, seedSampleKnowledge } from '../../src/knowledge/index.js';
import type { TestApp } from '../support/app.js';
import { openBrowser } from '../support/browser.js';
import { launchChat } from '../support/chat-page.js';
import { startAppWithDevLms } from '../support/dev-lms-app.js';

// Answered from the English sample articles by today's retrieval (checked with the engine; no vocabulary
// added for it). The assertions name no article: which cohort article answers is retrieval's business.
const QUESTION = '¿Qué son las cohortes?';
const FRAMING = 'Esto dice la guía (en inglés):';

describe('a Spanish question answered from an English article, in Chromium inside the LMS page', function () {
  this.timeout(180_000);
  let app: TestApp;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let lmsUrl: string;

  before(async () => {
    let tenantId: string;
    ({ app, lmsUrl, tenantId } = await startAppWithDevLms());
    // The shipped English help articles, through the product's own ingestion (queue and worker).
    const service = new KnowledgeService({
      queues: app.runtime.queues,
      config: app.config,
      redis: app.runtime.redis,
    });
    const queued = await seedSampleKnowledge(tenantId, service);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const ready = await KnowledgeSourceModel.countDocuments({ tenantId, status: 'ready' });
      if (ready === queued) break;
      if (Date.now() > deadline) throw new Error(`only ${ready} of ${queued} articles ingested within 120 s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    browser = await openBrowser({ blockThirdPartyCookies: true });
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function ask(page: Page) {
    const frame = await launchChat(page, lmsUrl);
    const message = frame.getByRole('textbox', { name: 'Message' });
    await message.waitFor();
    await message.fill(QUESTION);
    await frame.getByRole('button', { name: 'Send' }).click();
    const answer = frame.locator('.message-bot').filter({ hasText: FRAMING }).last();
    await answer.waitFor({ timeout: 30_000 });
    return { frame, answer };
  }

  it('says in Spanish that the guide is in English, shows the short answer and its source, and opens the whole section', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    const { frame, answer } = await ask(page);

    const text = (await answer.locator('.message-text').textContent()) ?? '';
    // The source line first: "De: <article> › <section> [1]", a link to the passage; then the framing.
    const source = answer.getByRole('link', { name: /^De: .+ › .+ \[1\]$/ });
    expect(await source.count()).to.equal(1);
    const sourceLine = (await source.textContent()) ?? '';
    expect(text.startsWith(`${sourceLine}\n\n${FRAMING}\n\n`)).to.equal(true);
    const short = text.slice(sourceLine.length + FRAMING.length + 4).trim();
    expect(short.length).to.be.greaterThan(0);
    expect(short.split(/\s+/).length).to.be.at.most(120);
    // Read out without the section behind the disclosure.
    await frame.waitForFunction(
      (framing) => document.getElementById('announcer')?.textContent?.includes(framing),
      FRAMING,
    );
    // (Compared without the Markdown emphasis marks the announcement keeps and the page renders.)
    const announced = ((await frame.locator('#announcer').textContent()) ?? '').replace(/[*`]/g, '');
    expect(announced).to.contain(short.slice(0, 60));
    // The disclosure, by keyboard: closed at first, Enter opens it and shows the section.
    const disclosure = answer.getByText('Ver la sección completa', { exact: true });
    const section = answer.locator('.answer-section-text');
    expect(await section.isVisible()).to.equal(false);
    await disclosure.focus();
    await page.keyboard.press('Enter');
    await section.waitFor({ state: 'visible' });
    // The whole section: where the short answer comes from, and more than it.
    const whole = (await section.textContent()) ?? '';
    expect(whole).to.contain(short.slice(0, 60));
    expect(whole.length).to.be.greaterThan(short.length);
    expect(await frame.locator('#announcer').textContent()).not.to.contain(whole);
    if (process.env.SCREENSHOT_DIR)
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/chat-short-answer-desktop.png` });

    // Closed again, the source link opens it too.
    await page.keyboard.press('Enter');
    await section.waitFor({ state: 'hidden' });
    await source.click();
    await section.waitFor({ state: 'visible' });
    await page.close();
  });

  it('back on a phone, the stored answer keeps its disclosure, and the opened section fits the screen', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 390, height: 800 });
    const frame = await launchChat(page, lmsUrl);
    const answer = frame.locator('.message-bot').filter({ hasText: FRAMING }).last();
    await answer.waitFor();
    await answer.getByText('Ver la sección completa', { exact: true }).click();
    await answer.locator('.answer-section-text').waitFor({ state: 'visible' });
    const overflow = await frame.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).to.be.at.most(0);
    if (process.env.SCREENSHOT_DIR)
      await page.screenshot({
        path: `${process.env.SCREENSHOT_DIR}/chat-short-answer-phone.png`,
        fullPage: true,
      });
    await page.close();
  });
});
