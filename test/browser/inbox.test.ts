import { expect } from 'chai';
import type { Frame, Page } from 'playwright-core';
import type { TestApp } from '../support/app.js';
import {
  answerDialog,
  collectPageProblems,
  openBrowser,
  reloadFrame,
  toolFrame,
} from '../support/browser.js';
import { addPasswordHelpArticle, startAppWithDevLms } from '../support/dev-lms-app.js';
import { launch, launchWith } from '../support/lms-client.js';

const LEARNER = 'Ana Learner';
const QUESTION = 'I forgot my password, how do I reset it?';
const REPLY = 'Hi Ana, I have sent you a reset link. <b>Check</b> your inbox.';
const NOTE = 'Checked the SSO logs: her account was locked twice today.';

describe('the support inbox in Chromium, with a learner and an admin at once', function () {
  this.timeout(180_000);
  let app: TestApp;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let lmsUrl: string;
  let learner: Frame;
  let admin: Frame;
  /** Script errors and CSP refusals on any page. */
  const problems: string[] = [];

  const watch = (page: Page) => collectPageProblems(page, problems);

  /** Opens the development LMS's course page and launches the tool in its frame. */
  async function launchInLms(button: string, path: string, viewport?: { width: number; height: number }) {
    const page = await browser.context.newPage();
    watch(page);
    if (viewport) await page.setViewportSize(viewport);
    await page.goto(`${lmsUrl}/dev/lms`);
    await page.getByRole('button', { name: button }).click();
    return { page, frame: await toolFrame(page, path) };
  }

  /** Someone else of Demo University (a second admin, more learners), by a token the dev LMS signs. */
  async function launchPerson(role: 'learner' | 'admin', sub: string, given: string, family: string) {
    return launchWith(app.url, {
      role,
      lmsUrl,
      change: (claims) => {
        claims.sub = sub;
        claims.name = `${given} ${family}`;
        claims.given_name = given;
        claims.family_name = family;
        claims.email = `${sub}@demo.example.edu`;
      },
    });
  }

  /** The page a person acts on is the one in front (Chromium does not render pages behind it). */
  const inFront = async (frame: Frame) => {
    await frame.page().bringToFront();
    return frame;
  };
  const conversations = (frame: Frame) => frame.getByRole('region', { name: 'Conversations' });
  /** The conversation list once the page has loaded it (tabs and items respond from then on). */
  const listLoaded = (frame: Frame) =>
    frame.locator('#conversation-list[aria-busy="false"]').waitFor({ timeout: 15_000 });
  const learnerItem = (frame: Frame) =>
    conversations(frame).getByRole('button', { name: new RegExp(LEARNER) });

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

  it('shows a new handoff live; the admin takes over and replies; the learner sees it without reloading', async () => {
    // The admin has the inbox open first (so the handoff is live, not "we will email you").
    ({ frame: admin } = await launchInLms('Launch as admin', '/inbox'));
    await conversations(admin).waitFor();
    await admin.evaluate(() => {
      (window as unknown as { loadedOnce: boolean }).loadedOnce = true;
    });

    ({ frame: learner } = await launchInLms('Launch as learner', '/chat'));
    await learner.evaluate(() => {
      (window as unknown as { loadedOnce: boolean }).loadedOnce = true;
    });
    await learner.getByRole('textbox', { name: 'Message' }).fill(QUESTION);
    await learner.getByRole('button', { name: 'Send' }).click();
    await learner.locator('.message-bot .message-text').last().waitFor({ timeout: 30_000 });
    await learner.getByRole('button', { name: 'Talk to a person' }).click();
    await learner
      .locator('#conversation-status')
      .filter({ hasText: 'Waiting for the support team' })
      .waitFor();

    // The thread appears in "Needs attention" without a reload, and screen readers hear about it.
    const item = learnerItem(admin);
    await item.waitFor({ timeout: 15_000 });
    await admin
      .getByRole('status', { name: 'Inbox updates' })
      .getByText(new RegExp(`New conversation waiting: ${LEARNER}`))
      .waitFor();
    // "reply by 14:00" today; outside staff hours it falls on a later day ("reply by Wed 09:00").
    expect(await item.textContent()).to.match(/reply by [\w ]*\d\d:\d\d/);
    expect(await item.textContent()).to.contain('(unread)');
    expect(await admin.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).to.equal(
      true,
    );
    const needsAttention = admin.getByRole('tab', { name: /^Needs attention/ });
    expect(await needsAttention.getAttribute('aria-selected')).to.equal('true');
    expect(await needsAttention.textContent()).to.match(/\d/);

    // The thread: handoff card (why, what the bot tried, who and where) above the history.
    await inFront(admin);
    await item.click();
    const card = admin.getByRole('region', { name: 'Why this came to you' });
    await card.waitFor();
    const cardText = (await card.textContent()) ?? '';
    expect(cardText).to.contain(LEARNER);
    expect(cardText).to.match(/learner/i);
    expect(cardText).to.contain('Resetting your password');
    expect(cardText).to.match(/Confidence \d+%/);
    const history = admin.getByRole('list', { name: 'History' });
    await history.getByText(QUESTION).first().waitFor();

    // Only the owner replies: before taking over, the Reply box says why it is closed.
    const replyBox = admin.getByRole('textbox', { name: 'Reply' });
    expect(await replyBox.isEditable()).to.equal(false);
    expect(await admin.locator('#reply-why').textContent()).to.match(/Take over/);
    await admin.getByRole('button', { name: 'Take over' }).click();
    await admin.getByRole('button', { name: 'Take over' }).waitFor({ state: 'hidden' });
    expect(await replyBox.isEditable()).to.equal(true);
    await replyBox.fill(REPLY);
    await admin.getByRole('button', { name: 'Send reply' }).click();
    await history.locator('.entry-admin', { hasText: 'reset link' }).waitFor();

    // The learner sees the reply in place, as text (no markup), without reloading.
    const shown = learner.locator('.message-admin .message-text', { hasText: 'reset link' });
    await shown.waitFor({ timeout: 15_000 });
    expect(await shown.textContent()).to.equal(REPLY);
    expect(await learner.locator('.messages b').count()).to.equal(0);
    expect(await learner.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce)).to.equal(
      true,
    );
  });

  it('shows internal notes to staff, marked as such, and never to the learner', async () => {
    await admin.getByRole('textbox', { name: 'Internal note' }).fill(NOTE);
    await admin.getByRole('button', { name: 'Add note' }).click();
    const noteEntry = admin.locator('.entry-note', { hasText: 'SSO logs' });
    await noteEntry.waitFor();
    expect(await noteEntry.locator('.note-label').textContent()).to.equal('Internal note');
    expect(await noteEntry.getAttribute('data-kind')).to.equal('note');
    if (process.env.SCREENSHOT_DIR)
      await admin
        .page()
        .screenshot({ path: `${process.env.SCREENSHOT_DIR}/inbox-desktop.png`, fullPage: true });

    // A later public line reaches the learner, so by then the note would have too.
    await admin.getByRole('textbox', { name: 'Reply' }).fill('Did the link arrive?');
    await admin.getByRole('button', { name: 'Send reply' }).click();
    await learner.locator('.message-admin .message-text', { hasText: 'Did the link arrive?' }).waitFor();
    expect(await learner.locator('body').textContent()).not.to.contain('SSO logs');
    // Nor after a reload (the whole thread from the API).
    await reloadFrame(learner);
    await learner.locator('.message-admin').first().waitFor();
    expect(await learner.locator('body').textContent()).not.to.contain('SSO logs');
  });

  it('hands back to the bot: the learner’s next question gets an answer from the assistant again', async () => {
    await admin.getByRole('button', { name: 'Hand back to bot' }).click();
    await admin.getByRole('button', { name: 'Hand back to bot' }).waitFor({ state: 'hidden' });
    await inFront(learner);
    await learner.locator('#conversation-status').waitFor({ state: 'hidden' });
    const botAnswers = await learner.locator('.message-bot').count();
    await learner
      .getByRole('textbox', { name: 'Message' })
      .fill('And how do I reset my password on my phone?');
    await learner.getByRole('button', { name: 'Send' }).click();
    await learner.locator('.message-bot').nth(botAnswers).waitFor({ timeout: 30_000 });
    await learner.waitForFunction(
      () => !document.querySelector('.messages > li:last-child[aria-busy="true"]'),
      undefined,
      { timeout: 30_000 },
    );
    expect(await learner.locator('.messages > li').last().getAttribute('data-author')).to.equal('bot');
    expect(await learner.locator('.message-bot .message-text').last().textContent()).to.contain(
      'Forgot password',
    );
  });

  it('resolves a conversation, which then sits in Resolved', async () => {
    await learner.getByRole('button', { name: 'Talk to a person' }).click();
    await learner
      .locator('#conversation-status')
      .filter({ hasText: 'Waiting for the support team' })
      .waitFor();
    await admin.getByRole('button', { name: 'Take over' }).waitFor({ timeout: 15_000 });
    await inFront(admin);
    await admin.getByRole('button', { name: 'Take over' }).click();
    await admin.getByLabel('Resolution').selectOption('answered');
    await admin.getByRole('button', { name: 'Resolve' }).click();
    await admin.getByRole('button', { name: 'Reopen' }).waitFor();
    expect(await admin.locator('#thread-status').textContent()).to.contain('Resolved');
    await learner
      .locator('#conversation-status')
      .filter({ hasText: 'resolved' })
      .waitFor({ timeout: 15_000 });
    await admin.getByRole('tab', { name: /^Resolved/ }).click();
    await learnerItem(admin).waitFor();
  });

  it('tells a second admin who already owns a conversation when their take-over loses', async () => {
    // Reopened, the thread waits in the queue again, unowned.
    await admin.getByRole('button', { name: 'Reopen' }).click();
    await admin.getByRole('button', { name: 'Take over' }).waitFor();
    const bea = await browser.context.newPage();
    watch(bea);
    // Bea's page misses live updates, so the "Take over" she clicks is stale by then.
    await bea.route('**/api/inbox/events', (route) => route.abort());
    const beaLaunch = await launchPerson('admin', 'devlms-user-bea', 'Bea', 'Admin');
    expect(beaLaunch.landing.pathname).to.equal('/inbox');
    await bea.goto(beaLaunch.landing.toString());
    await learnerItem(bea.mainFrame()).click();
    const beaTakeOver = bea.getByRole('button', { name: 'Take over' });
    await beaTakeOver.waitFor();
    // She sees that Adam has it open too.
    expect(await bea.locator('#presence').textContent()).to.equal('Adam Admin is viewing');

    await inFront(admin);
    await admin.getByRole('button', { name: 'Take over' }).click();
    await admin.getByRole('button', { name: 'Take over' }).waitFor({ state: 'hidden' });
    await bea.bringToFront();
    await beaTakeOver.click();
    await bea.getByRole('alert').getByText('Adam Admin already owns this conversation.').waitFor();
    await beaTakeOver.waitFor({ state: 'hidden' });
    if (process.env.SCREENSHOT_DIR)
      await bea.screenshot({ path: `${process.env.SCREENSHOT_DIR}/inbox-second-admin.png`, fullPage: true });
    expect(await bea.getByRole('textbox', { name: 'Reply' }).isEditable()).to.equal(false);
    expect(await bea.locator('#reply-why').textContent()).to.contain('Adam Admin owns this conversation');
    // Notes are open to every staff member, owner or not.
    expect(await bea.getByRole('textbox', { name: 'Internal note' }).isEditable()).to.equal(true);
    await bea.close();
  });

  it('inserts a canned reply with the learner and course filled in', async () => {
    // Adam (a lead: institution administrator) adds one; the page offers it on the next thread it opens.
    const created = await admin.evaluate(async () => {
      const response = await (
        window as unknown as { chatref: { api: (path: string, init: RequestInit) => Promise<Response> } }
      ).chatref.api('/api/inbox/canned-replies', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          title: 'Password reset sent',
          text: 'Hi {{learner.firstName}}, the reset link for {{course.title}} is on its way. {{unknown.thing}}',
        }),
      });
      return response.status;
    });
    expect(created).to.equal(201);
    await reloadFrame(await inFront(admin));
    await listLoaded(admin);
    await admin.getByRole('tab', { name: /^Mine/ }).click();
    await learnerItem(admin).click();
    await admin
      .getByRole('combobox', { name: 'Canned replies' })
      .selectOption({ label: 'Password reset sent' });
    await admin.getByRole('button', { name: 'Insert' }).click();
    const replyBox = admin.getByRole('textbox', { name: 'Reply' });
    await admin.waitForFunction(() => (document.getElementById('reply') as HTMLTextAreaElement).value !== '');
    expect(await replyBox.inputValue()).to.equal(
      'Hi Ana, the reset link for Introduction to Online Learning is on its way. {{unknown.thing}}',
    );
    expect(await replyBox.evaluate((node) => node === document.activeElement)).to.equal(true);
    await replyBox.fill('');
  });

  it('transfers a conversation to another admin after confirmation', async () => {
    await admin.getByRole('combobox', { name: 'Transfer to' }).selectOption({ label: 'Bea Admin' });
    const asked = await answerDialog(
      admin.page(),
      () => admin.getByRole('button', { name: 'Transfer', exact: true }).click(),
      'accept',
    );
    expect(asked).to.equal('Transfer this conversation to Bea Admin?');
    await admin.locator('#thread-status').getByText('Owned by Bea Admin').waitFor();
    expect(await admin.getByRole('textbox', { name: 'Reply' }).isEditable()).to.equal(false);
    expect(await admin.locator('#reply-why').textContent()).to.contain('Bea Admin owns this conversation');
    // It left Adam's "Mine" view live.
    await learnerItem(admin).waitFor({ state: 'detached' });
  });

  it('shows who else has the thread open and who is typing, live', async () => {
    const bea = await browser.context.newPage();
    watch(bea);
    const beaLaunch = await launchPerson('admin', 'devlms-user-bea', 'Bea', 'Admin');
    await bea.goto(beaLaunch.landing.toString());
    await bea.getByRole('tab', { name: /^Mine/ }).click();
    await learnerItem(bea.mainFrame()).click();
    await bea.getByRole('textbox', { name: 'Reply' }).waitFor();
    expect(await bea.getByRole('textbox', { name: 'Reply' }).isEditable()).to.equal(true);
    const presence = bea.locator('#presence');
    await presence.getByText('Adam Admin is viewing').waitFor({ timeout: 15_000 });
    // (Hidden tabs send no presence: Adam's must be the one in front while he types.)
    await inFront(admin);
    await admin
      .getByRole('textbox', { name: 'Internal note' })
      .pressSequentially('Looking at it', { delay: 20 });
    await presence.getByText('Adam Admin is typing…').waitFor({ timeout: 15_000 });
    // Typing stops a few seconds after the last key.
    await presence.getByText('Adam Admin is viewing').waitFor({ timeout: 15_000 });
    await admin.getByRole('textbox', { name: 'Internal note' }).fill('');
    await bea.close();
  });

  it('searches by learner name and says when nothing matches; view tabs work with the arrow keys', async () => {
    const allOpen = admin.getByRole('tab', { name: /^All open/ });
    await allOpen.click();
    await learnerItem(admin).waitFor();
    // Arrow keys move between the view tabs (the tabs pattern), and the list follows.
    await allOpen.focus();
    await admin.page().keyboard.press('ArrowRight');
    const resolvedTab = admin.getByRole('tab', { name: /^Resolved/ });
    expect(await resolvedTab.getAttribute('aria-selected')).to.equal('true');
    expect(await resolvedTab.evaluate((node) => node === document.activeElement)).to.equal(true);
    await admin.page().keyboard.press('ArrowLeft');
    expect(await allOpen.getAttribute('aria-selected')).to.equal('true');
    await learnerItem(admin).waitFor();

    const box = admin.getByRole('searchbox', { name: 'Search conversations' });
    await box.fill('Ana');
    await box.press('Enter');
    await learnerItem(admin).waitFor();
    await box.fill('nobody-by-this-name');
    await box.press('Enter');
    await admin.getByText('No conversations match "nobody-by-this-name".').waitFor();
    expect(await learnerItem(admin).count()).to.equal(0);
    await box.fill('');
    await box.press('Enter');
    await learnerItem(admin).waitFor();

    // Filters: a priority nobody has empties the view; the course of the thread keeps it.
    await admin.locator('summary', { hasText: 'Filters' }).click();
    await admin.getByRole('combobox', { name: 'Priority' }).selectOption('urgent');
    await admin.getByText('No conversations in All open.').waitFor();
    await admin.getByRole('combobox', { name: 'Priority' }).selectOption('');
    await admin
      .getByRole('combobox', { name: 'Course' })
      .selectOption({ label: 'Introduction to Online Learning' });
    await learnerItem(admin).waitFor();
    expect(await admin.locator('#filter-summary').textContent()).to.equal(
      '(Introduction to Online Learning)',
    );
    await admin.getByRole('button', { name: 'Clear filters' }).click();
    await learnerItem(admin).waitFor();
  });

  it('lets an instructor of the course work its threads, and keeps learners out', async () => {
    const instructor = await launch(app.url, { role: 'instructor' });
    const page = await browser.context.newPage();
    watch(page);
    await page.goto(`${app.url}/inbox?ltik=${encodeURIComponent(instructor.sessionToken)}`);
    await page.getByRole('tab', { name: /^All open/ }).click();
    await learnerItem(page.mainFrame()).waitFor();
    // The admin-only pages are not offered to instructors.
    expect(await page.getByRole('navigation', { name: 'Admin' }).count()).to.equal(0);

    const learnerLaunch = await launch(app.url, { role: 'learner' });
    const refused = await page.goto(
      `${app.url}/inbox?ltik=${encodeURIComponent(learnerLaunch.sessionToken)}`,
    );
    expect(refused?.status()).to.equal(403);
    expect(await page.getByRole('region', { name: 'Conversations' }).count()).to.equal(0);
    await page.close();
  });

  it('on a phone, reaches both the list and the thread (one column, with a back button)', async () => {
    const { page, frame } = await launchInLms('Launch as admin', '/inbox', { width: 390, height: 800 });
    await frame.getByRole('tab', { name: /^All open/ }).click();
    const item = learnerItem(frame);
    await item.waitFor();
    expect(await frame.locator('#thread-pane').isVisible()).to.equal(false);
    await item.click();
    await frame.getByRole('textbox', { name: 'Internal note' }).waitFor();
    expect(await conversations(frame).isVisible()).to.equal(false);
    const overflow = await frame.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).to.be.at.most(0);
    await frame.getByRole('button', { name: 'Back to conversations' }).click();
    await conversations(frame).waitFor();
    // Focus returns to the conversation the admin came from.
    expect(await item.evaluate((node) => node === document.activeElement)).to.equal(true);
    if (process.env.SCREENSHOT_DIR)
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/inbox-phone.png`, fullPage: true });
    await page.close();
  });

  it('pages with "Load more" (keyset) when a view holds more than a page', async () => {
    // 26 more learners ask for a person through the chat API: with Ana's thread, more than one page of 25.
    const learners = await Promise.all(
      Array.from({ length: 26 }, (_, i) =>
        launchPerson('learner', `devlms-user-l${i}`, `Learner${i}`, 'Queue'),
      ),
    );
    const call = async (token: string, path: string, body?: unknown) => {
      const response = await fetch(`${app.url}${path}`, {
        method: body ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      });
      expect(response.status, path).to.be.oneOf([200, 201]);
      return (await response.json()) as { conversation: { id: string } };
    };
    for (const person of learners) {
      const { conversation } = await call(person.sessionToken, '/api/chat');
      await call(person.sessionToken, '/api/chat/handoff', { conversationId: conversation.id });
    }
    const page = await browser.context.newPage();
    watch(page);
    await page.goto(
      `${app.url}/inbox?ltik=${encodeURIComponent((await launch(app.url, { role: 'admin' })).sessionToken)}`,
    );
    await page.getByRole('tab', { name: /^All open/ }).click();
    const items = page.getByRole('list', { name: 'Conversation list' }).getByRole('listitem');
    await page.waitForFunction(() => document.querySelectorAll('#conversation-list > li').length === 25);
    expect(await page.getByRole('tab', { name: /^All open/ }).textContent()).to.match(/\b27\b/);
    await page.getByRole('button', { name: 'Load more' }).click();
    await page.waitForFunction(() => document.querySelectorAll('#conversation-list > li').length > 25);
    const ids = await items.evaluateAll((nodes) =>
      nodes.map((node) => node.querySelector('button')?.dataset.id),
    );
    expect(new Set(ids).size).to.equal(ids.length);
    expect(ids.length).to.be.at.least(27);
    // Focus lands on the first newly loaded conversation, so keyboard users carry on from there.
    const focused = await page.evaluate(() =>
      Array.from(document.querySelectorAll('#conversation-list > li')).indexOf(
        document.activeElement?.closest('li') as HTMLLIElement,
      ),
    );
    expect(focused).to.equal(25);
    await page.close();
  });

  it('ran without CSP refusals or script errors', () => {
    expect(problems).to.deep.equal([]);
  });
});
