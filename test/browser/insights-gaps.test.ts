import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Types } from 'mongoose';
import { TopicAssignmentModel } from '../../src/insights/topic.model.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { openBrowser, openStaffPage } from '../support/browser.js';
import { eventually } from '../support/eventually.js';
import { launch, launchWith } from '../support/lms-client.js';

const QUESTION = 'How do I book a room for the <oral> exam?';
const REPLY = 'Use Rooms > Book, pick "Exams" and the <b>date</b>.\nThe booking is confirmed by email.';

describe('the documentation gaps on the Insights page in Chromium', function () {
  this.timeout(150_000);
  let app: TestApp;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let adminToken: string;
  let conversationId: string;
  const problems: string[] = [];

  const call = async (token: string, route: string, init: RequestInit = {}) => {
    const response = await fetch(`${app.url}${route}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    const text = await response.text();
    return { status: response.status, text, body: text ? JSON.parse(text) : null };
  };

  before(async () => {
    app = await startTestApp({ worker: true });
    adminToken = (await launch(app.url, { role: 'admin' })).sessionToken;
    // A learner's question handed to a person, answered by the admin and resolved, over HTTP.
    const { sessionToken } = await launchWith(app.url, {
      role: 'learner',
      change: (claims) => {
        claims.sub = `gaps-browser-${randomUUID()}`;
      },
    });
    conversationId = (await call(sessionToken, '/api/chat')).body.conversation.id;
    const clientId = `c-${randomUUID()}`;
    await call(sessionToken, '/api/chat/messages', {
      method: 'POST',
      body: JSON.stringify({ conversationId, clientId, text: QUESTION }),
    });
    await eventually(
      async () =>
        (await call(sessionToken, '/api/chat')).body.messages.some(
          (m: { clientId: string }) => m.clientId === `bot:${clientId}`,
        ),
      'the bot answer',
    );
    await call(sessionToken, '/api/chat/handoff', {
      method: 'POST',
      body: JSON.stringify({ conversationId }),
    });
    await eventually(
      () => TopicAssignmentModel.exists({ conversationId: new Types.ObjectId(conversationId) }),
      'the topic row',
    );
    const base = `/api/inbox/conversations/${conversationId}`;
    await call(adminToken, `${base}/claim`, { method: 'POST' });
    const replied = await call(adminToken, `${base}/reply`, {
      method: 'POST',
      body: JSON.stringify({ clientId: `r-${randomUUID()}`, text: REPLY }),
    });
    expect(replied.status, replied.text).to.equal(201);
    expect((await call(adminToken, `${base}/resolve`, { method: 'POST', body: '{}' })).status).to.equal(200);
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  /** The Insights page of `token`'s session (the admin's unless told), once its gaps have loaded. */
  const openPage = (token = adminToken) =>
    openStaffPage(browser.context, {
      url: `${app.url}/insights`,
      token,
      problems,
      ready: (page) => page.locator('#gaps-status').getByText(/in 1 topic/),
    });

  it('lists the question with the staff reply as text, and turns the reply into a Q&A with the keyboard', async () => {
    const page = await openPage();
    const section = page.getByRole('region', { name: 'Documentation gaps' });
    const card = section.getByRole('listitem').filter({ hasText: QUESTION }).first();
    // Server text shows as text: the angle brackets are characters, not markup.
    await card.getByText(QUESTION).first().waitFor();
    await card.locator('blockquote').getByText('pick "Exams" and the <b>date</b>.').waitFor();
    expect(await card.locator('blockquote b').count()).to.equal(0);
    const inbox = card.getByRole('link', { name: /Open in the inbox/ });
    expect(await inbox.getAttribute('href')).to.equal(`/inbox#conversation=${conversationId}`);

    // Keyboard only: the button, the form, a missing answer refused, the scope, save.
    const turn = card.getByRole('button', { name: /Turn into a Q&A from the reply to/ });
    await turn.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Turn into a Q&A' });
    await dialog.waitFor();
    const question = dialog.getByLabel('Question, as learners ask it');
    const answer = dialog.getByLabel('Answer the assistant gives');
    expect(await question.evaluate((el) => el === document.activeElement)).to.equal(true);
    expect(await question.inputValue()).to.equal(QUESTION);
    expect(await answer.inputValue()).to.equal(REPLY);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await dialog.getByRole('alert').getByText('Write the answer the assistant should give.').waitFor();
    expect(await answer.evaluate((el) => el === document.activeElement)).to.equal(true);
    await page.keyboard.type('Rooms > Book > Exams, then pick the date. You get an email.');
    await page.keyboard.press('Tab');
    // The course radio is checked; the arrow key moves to the whole institution.
    await page.keyboard.press('ArrowDown');
    expect(await dialog.getByLabel('The whole institution').isChecked()).to.equal(true);
    if (process.env.SCREENSHOT_DIR)
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/insights-gaps-form.png` });
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'hidden' });
    await page
      .locator('#gaps-status')
      .getByText(/^Saved the Q&A/)
      .waitFor();
    const today = new Date().toISOString().slice(0, 10);
    await card.getByText(`Answered 0 questions since ${today}`).waitFor();
    // Focus is back on the thread's button, now offering to edit the entry again.
    const again = card.getByRole('button', { name: /Edit the Q&A again/ });
    expect(await again.evaluate((el) => el === document.activeElement)).to.equal(true);
    const sources = await call(adminToken, '/api/knowledge/sources');
    const saved = sources.body.data.find((s: { title: string }) => s.title === QUESTION);
    expect(saved).to.include({ kind: 'qa', scope: 'institution' });
    if (process.env.SCREENSHOT_DIR)
      await page
        .locator('#gaps-section')
        .screenshot({ path: `${process.env.SCREENSHOT_DIR}/insights-gaps.png` });
    expect(problems).to.deep.equal([]);
  });

  it('opens the form from the resolved thread in the inbox, fits a phone, and Escape closes it', async () => {
    const page = await openStaffPage(browser.context, {
      url: `${app.url}/inbox`,
      token: adminToken,
      hash: `#conversation=${conversationId}`,
      problems,
      viewport: { width: 375, height: 800 },
    });
    const link = page.getByRole('link', { name: 'Turn into a Q&A' });
    await link.waitFor();
    if (process.env.SCREENSHOT_DIR)
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/inbox-gap-qa-link.png` });
    await link.click();
    await page.waitForURL(/\/insights/);
    await page
      .locator('#gaps-status')
      .getByText(/in 1 topic/)
      .waitFor();
    const dialog = page.getByRole('dialog', { name: 'Turn into a Q&A' });
    await dialog.waitFor();
    expect(await dialog.getByLabel('Question, as learners ask it').inputValue()).to.equal(QUESTION);
    await dialog.getByText(/A Q&A was already made from this conversation/).waitFor();
    // The scope chosen before is chosen again.
    expect(await dialog.getByLabel('The whole institution').isChecked()).to.equal(true);
    const fits = () =>
      page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
    expect(await fits()).to.equal(true);
    if (process.env.SCREENSHOT_DIR)
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/insights-gaps-form-phone.png` });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await fits()).to.equal(true);
    if (process.env.SCREENSHOT_DIR)
      await page
        .locator('#gaps-section')
        .screenshot({ path: `${process.env.SCREENSHOT_DIR}/insights-gaps-phone.png` });
    expect(problems).to.deep.equal([]);
  });

  it('shows an instructor the gaps of their course with the replies, without the Q&A form', async () => {
    const instructor = (await launch(app.url, { role: 'instructor' })).sessionToken;
    const page = await openPage(instructor);
    const section = page.getByRole('region', { name: 'Documentation gaps' });
    await section.locator('blockquote').getByText('pick "Exams" and the <b>date</b>.').waitFor();
    await section.getByText('Admins can turn these replies into Q&A entries.').waitFor();
    expect(await section.getByRole('button', { name: /Q&A/ }).count()).to.equal(0);
    expect(await page.locator('#gap-qa-dialog').count()).to.equal(0);
    expect(problems).to.deep.equal([]);
  });
});
