import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { openBrowser, openToolPage } from '../support/browser.js';
import { launch } from '../support/lms-client.js';

describe('the Inbox setup page (canned replies, teams, audit log) in Chromium', function () {
  this.timeout(90_000);
  let app: TestApp;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let lead: string;
  /** Console messages of every page, to catch CSP refusals and script errors. */
  const problems: string[] = [];

  const api = async (token: string, path: string, body?: unknown) => {
    const response = await fetch(`${app.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status, path).to.be.within(200, 299);
    return response.json() as Promise<Record<string, { id: string }>>;
  };

  before(async () => {
    app = await startTestApp();
    lead = (await launch(app.url, { role: 'admin' })).sessionToken;
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function openPage(token: string, viewport?: { width: number; height: number }): Promise<Page> {
    const page = await openToolPage(
      browser.context,
      `${app.url}/inbox/setup?ltik=${encodeURIComponent(token)}`,
      problems,
      viewport,
    );
    await page.locator('#audit[aria-busy="false"]').waitFor();
    return page;
  }

  it('a lead adds a canned reply, sees it in the audit log with their launch, and deletes it', async () => {
    const page = await openPage(lead);
    const status = page.getByRole('status');
    const title = 'Password <b>reset</b>';
    await page.getByRole('textbox', { name: 'Title' }).fill(title);
    await page
      .getByRole('textbox', { name: 'Reply text' })
      .fill('Hi {{learner.firstName}}, use "Forgot password" on the sign-in page.');
    await page.getByRole('button', { name: 'Add canned reply' }).click();
    await status.getByText(`Canned reply "${title}" added.`).waitFor();

    const canned = page.getByRole('table', { name: 'Canned replies' });
    const row = canned.getByRole('row', { name: /Password <b>reset<\/b>/ });
    await row.getByRole('cell', { name: /Hi \{\{learner\.firstName\}\}/ }).waitFor();
    expect(await page.locator('#canned b').count()).to.equal(0);

    const audit = page.getByRole('table', { name: 'Audit log' });
    const added = audit.getByRole('row', { name: /Added a canned reply/ }).first();
    await added.getByRole('cell', { name: `Title: ${title}` }).waitFor();
    const launchCell = (await added.getByRole('cell').last().textContent())?.trim();
    expect(launchCell).to.match(/^[0-9a-f]{24}$/);
    // Fewer actions than a page: nothing older to show.
    expect(await page.getByRole('button', { name: 'Show older actions' }).isVisible()).to.equal(false);

    await row.getByRole('button', { name: `Delete canned reply ${title}` }).click();
    await status.getByText(`Canned reply "${title}" deleted.`).waitFor();
    expect(await canned.getByRole('row', { name: /Password <b>reset<\/b>/ }).count()).to.equal(0);
    await audit
      .getByRole('row', { name: /Deleted a canned reply/ })
      .first()
      .waitFor();
    expect(problems).to.deep.equal([]);
    await page.close();
  });

  it("a lead builds teams: one by hand with members and categories, one from the course's instructors", async () => {
    const page = await openPage(lead);
    const status = page.getByRole('status');
    const teams = page.getByRole('table', { name: 'Teams' });
    const members = page.getByRole('group', { name: 'Members' });
    await page.getByRole('textbox', { name: 'Team name' }).fill('Grades desk');
    const me = members.getByRole('checkbox').first();
    const myName = (await members.locator('label').first().textContent())?.trim() ?? '';
    await me.check();
    await page
      .getByRole('textbox', { name: 'Categories it handles (comma-separated)' })
      .fill('grades, exams');
    await page.getByRole('button', { name: 'Add team' }).click();
    await status.getByText('Team "Grades desk" added.').waitFor();
    const desk = teams.getByRole('row', { name: /Grades desk/ });
    await desk.getByRole('cell', { name: myName, exact: true }).waitFor();
    await desk.getByRole('cell', { name: 'Categories: grades, exams' }).waitFor();
    await page
      .getByRole('table', { name: 'Audit log' })
      .getByRole('row', { name: /Created a team/ })
      .first()
      .waitFor();

    // The lead launched from a course: its instructors, as the LMS lists them, become its team.
    await page.getByRole('button', { name: "Build this course's instructor team" }).click();
    await status.getByText(/has the course's \d+ instructors?\./).waitFor();
    await teams
      .getByRole('row', { name: /instructors/ })
      .getByRole('cell', { name: 'Threads of its course' })
      .waitFor();

    await desk.getByRole('button', { name: 'Delete team Grades desk' }).click();
    await status.getByText('Team "Grades desk" deleted.').waitFor();
    expect(await teams.getByRole('row', { name: /Grades desk/ }).count()).to.equal(0);
    expect(problems).to.deep.equal([]);
    await page.close();
  });

  it('an action on a thread links from the audit log to that thread in the inbox', async () => {
    const learner = (await launch(app.url, { role: 'learner' })).sessionToken;
    const conversationId = (await api(learner, '/api/chat')).conversation?.id as string;
    await api(learner, '/api/chat/messages', {
      conversationId,
      clientId: randomUUID(),
      text: 'I want to talk to a person please',
    });
    await api(learner, '/api/chat/handoff', { conversationId });
    await api(lead, `/api/inbox/conversations/${conversationId}/claim`, {});

    const page = await openPage(lead);
    const took = page
      .getByRole('table', { name: 'Audit log' })
      .getByRole('row', { name: /Took over/ })
      .first();
    await took.getByRole('link', { name: 'Open conversation' }).click();
    await page.waitForURL(
      (url) => url.pathname === '/inbox' && url.hash === `#conversation=${conversationId}`,
    );
    await page.getByRole('button', { name: 'Send reply' }).waitFor();
    expect(problems).to.deep.equal([]);
    await page.close();
  });

  it('tells an instructor that canned replies and the audit log are for inbox leads, at phone width', async () => {
    const instructor = (await launch(app.url, { role: 'instructor' })).sessionToken;
    const page = await openPage(instructor, { width: 375, height: 740 });
    await page.locator('#audit-error').getByText('Only inbox leads can do this.').waitFor();
    await page.getByRole('textbox', { name: 'Title' }).fill('Anything');
    await page.getByRole('textbox', { name: 'Reply text' }).fill('Anything at all');
    await page.getByRole('button', { name: 'Add canned reply' }).click();
    await page.locator('#canned-error').getByText('Only inbox leads can do this.').waitFor();
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).to.be.at.most(0);
    expect(problems).to.deep.equal([]);
    await page.close();
  });
});
