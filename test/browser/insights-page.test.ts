import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { Types } from 'mongoose';
import { TeamModel } from '../../src/inbox/inbox.models.js';
import { InsightDayModel, insightDayId } from '../../src/insights/insight-day.model.js';
import { localDate, writeDaySummaries } from '../../src/insights/insights-projector.js';
import { emptyFacts, type ThreadFacts } from '../../src/insights/thread-facts.js';
import { TopicModel } from '../../src/insights/topic.model.js';
import { verifySessionToken } from '../../src/lti/session.js';
import { loadStoredSlaSettings } from '../../src/storage/sla/stored-sla-settings.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { collectPageProblems, openBrowser, openStaffPage, toolFrame } from '../support/browser.js';
import { launch } from '../support/lms-client.js';

const MIN = 60_000;

describe('the Insights page in Chromium', function () {
  this.timeout(120_000);
  let app: TestApp;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let token: string;
  let today: string;
  const problems: string[] = [];

  before(async () => {
    app = await startTestApp();
    token = (await launch(app.url, { role: 'admin' })).sessionToken;
    const session = await verifySessionToken(token, app.config.LTI_ENCRYPTION_KEY);
    const tenantId = session.tenantId;
    const zone = (await loadStoredSlaSettings(tenantId)).settings.timeZone;
    const now = Date.now();
    today = localDate(now, zone);
    // A team whose name a spreadsheet would run as a formula.
    const team = await TeamModel.create({ tenantId, name: '=HYPERLINK("http://evil.example","x")' });
    const opened = now - 60 * MIN;
    // A topic with a spike: two handed-off threads in the last day, none in the weeks before.
    const topic = await TopicModel.create({
      tenantId,
      label: 'exam <proctor> booking',
      labelKey: 'exam proctor booking',
      labelSource: 'terms',
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    const topicId = String(topic._id);
    const handedOff = (extra: Partial<ThreadFacts>): ThreadFacts => ({
      ...emptyFacts(opened, session.courseId),
      answers: 1,
      handoffs: 1,
      handedOffAt: opened,
      ...extra,
      reasons: extra.reasons ?? ['human_request'],
    });
    const threads: Record<string, ThreadFacts> = {
      [new Types.ObjectId().toHexString()]: handedOff({
        firstReplyAt: opened + 12 * MIN,
        resolvedAt: opened + 40 * MIN,
        slaTracked: true,
        teamId: String(team._id),
        assigneeId: new Types.ObjectId().toHexString(),
        assigneeName: 'Ana <b>Admin</b>',
        ratings: { m1: 'down' },
        topics: { q1: { topicId, question: 'how do i book the proctor for my final?' } },
      }),
      [new Types.ObjectId().toHexString()]: handedOff({
        reasons: ['keyword_rule', 'human_request'],
        topics: { q2: { topicId, question: 'where is the proctored exam booking page' } },
      }),
      [new Types.ObjectId().toHexString()]: {
        ...emptyFacts(opened, session.courseId),
        answers: 2,
        ratings: { m2: 'up' },
      },
    };
    await InsightDayModel.create({
      _id: insightDayId(tenantId, today),
      tenantId: new Types.ObjectId(tenantId),
      date: today,
      threads,
    });
    await writeDaySummaries(tenantId, today, Object.values(threads), now);
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  const openPage = (viewport?: { width: number; height: number }) =>
    openStaffPage(browser.context, {
      url: `${app.url}/insights`,
      token,
      problems,
      viewport,
      ready: (page) => page.getByRole('status').getByText(/^Showing /),
    });

  it('shows the figures with charts, tables a screen reader reaches, and safe CSV downloads', async () => {
    const page = await openPage();
    const kpis = page.locator('#kpis');
    expect(
      await kpis.getByText('Conversations', { exact: true }).locator('..').locator('dd').textContent(),
    ).to.match(/^3/);
    expect(await kpis.getByText('Handed to people').locator('..').locator('dd').textContent()).to.match(
      /^66\.7 %/,
    );
    expect(await kpis.getByText('First response').locator('..').locator('dd').textContent()).to.match(
      /^12 min/,
    );
    expect(await kpis.getByText('Answers rated helpful').locator('..').locator('dd').textContent()).to.match(
      /^50 %/,
    );

    // The reasons table is in the accessibility tree even while only the chart shows.
    const reasons = page.getByRole('table', { name: /Handoffs by reason/ });
    await reasons.getByRole('row', { name: /Asked for a person 2 66\.7 %/ }).waitFor();
    await reasons.getByRole('row', { name: /Keyword rule 1 33\.3 %/ }).waitFor();
    expect(await page.locator('#reasons-chart').isVisible()).to.equal(true);
    expect((await page.locator('#reasons-table-wrap').boundingBox())?.width).to.be.at.most(1);

    // Keyboard: show the table under the chart.
    const toggle = page.getByRole('button', { name: 'Show the table of handoffs by reason' });
    await toggle.focus();
    await page.keyboard.press('Enter');
    const hide = page.getByRole('button', { name: 'Hide the table of handoffs by reason' });
    expect(await hide.getAttribute('aria-expanded')).to.equal('true');
    expect((await page.locator('#reasons-table-wrap').boundingBox())?.width).to.be.greaterThan(200);

    // Names are text, never markup; SLA by admin and team.
    await page
      .getByRole('table', { name: 'By admin' })
      .getByRole('row', { name: /Ana <b>Admin<\/b> 1 0 100 %/ })
      .waitFor();

    // The team table downloads with the formula-looking name made inert.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-export="sla-teams"]').click(),
    ]);
    const csv = readFileSync((await download.path()) ?? '', 'utf8');
    if (process.env.SCREENSHOT_DIR)
      await page.locator('main').screenshot({ path: `${process.env.SCREENSHOT_DIR}/insights-desktop.png` });
    expect(csv).to.include(`"'=HYPERLINK(""http://evil.example"",""x"")",1,0,100`);
    expect(problems).to.deep.equal([]);
  });

  it('shows the topics behind handoffs and a spike with its questions; an admin changes the rule', async () => {
    const page = await openPage();
    const topics = page.getByRole('table', { name: /Topics behind handoffs/ });
    await topics
      .getByRole('row', { name: /exam <proctor> booking/ })
      .getByRole('cell', { name: '2', exact: true })
      .first()
      .waitFor();
    // Two in a day is no spike by the default rule (at least 5)…
    expect(await page.locator('.insights-spike').count()).to.equal(0);
    // …the admin lowers the minimum with the keyboard, and the spike shows with what learners asked.
    await page.getByText('When is a topic a spike?').click();
    await page.getByLabel('At least this many conversations').fill('2');
    await page.getByLabel('At least this many conversations').press('Enter');
    const spike = page.locator('.insights-spike');
    await spike.getByRole('heading', { name: 'Spike: exam <proctor> booking' }).waitFor();
    await spike.getByText('how do i book the proctor for my final?').waitFor();
    if (process.env.SCREENSHOT_DIR)
      await page
        .locator('#topics-section')
        .screenshot({ path: `${process.env.SCREENSHOT_DIR}/insights-topics.png` });
    // A rule out of bounds is refused beside the form.
    await page.getByLabel('Weeks in the average').fill('40');
    await page.getByRole('button', { name: 'Save the rule' }).click();
    await page.getByRole('alert').getByText('spike.trailingWeeks: at most 12.').waitFor();
    expect(problems).to.deep.equal([]);
  });

  it('says what is wrong with a range, and shows an empty range as zeros', async () => {
    const page = await openPage();
    await page.getByLabel('From', { exact: true }).fill('2025-03-10');
    await page.getByLabel('To', { exact: true }).fill('2025-03-01');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page
      .getByRole('alert')
      .getByText(/start on or before its end/)
      .waitFor();

    await page.getByLabel('To', { exact: true }).fill('2025-03-12');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.getByRole('status').getByText('Showing 2025-03-10 to 2025-03-12').waitFor();
    await page
      .getByRole('table', { name: /Handoffs by reason/ })
      .getByText('Nothing in these dates.')
      .waitFor();
    expect(await page.locator('#kpis dd').first().textContent()).to.match(/^0/);
    expect(problems).to.deep.equal([]);
  });

  it('opens from the inbox inside the LMS frame, with its charts drawn', async () => {
    const page = await browser.context.newPage();
    collectPageProblems(page, problems);
    await page.goto(`${app.url}/dev/lms`);
    await page.getByRole('button', { name: 'Launch as admin' }).click();
    const inbox = await toolFrame(page, '/inbox');
    await inbox.getByRole('link', { name: 'Insights' }).click();
    const frame = await toolFrame(page, '/insights');
    await frame
      .getByRole('status')
      .getByText(/^Showing /)
      .waitFor();
    // Chart.js drew on the canvas (from our own origin: the frame's CSP allows nothing else).
    const drawn = await frame
      .locator('#volume-chart')
      .evaluate((canvas) => (canvas as HTMLCanvasElement).width > 0);
    expect(drawn).to.equal(true);
    expect(await frame.evaluate(() => typeof (window as unknown as { Chart?: unknown }).Chart)).to.equal(
      'function',
    );
    await page.close();
    expect(problems).to.deep.equal([]);
  });

  it("shows an instructor their course's figures, without the course filter or the spike rule", async () => {
    const page = await browser.context.newPage();
    collectPageProblems(page, problems);
    await page.goto(`${app.url}/dev/lms`);
    await page.getByRole('button', { name: 'Launch as instructor' }).click();
    // An instructor lands in the chat, which links to the course's inbox.
    const chat = await toolFrame(page, '/chat');
    await chat.getByRole('navigation').getByRole('link').click();
    const inbox = await toolFrame(page, '/inbox');
    await inbox.getByRole('link', { name: 'Insights' }).click();
    const frame = await toolFrame(page, '/insights');
    await frame
      .getByRole('status')
      .getByText(/^Showing .*, one course: 3 conversations\./)
      .waitFor();
    expect(await frame.getByLabel('Course').count()).to.equal(0);
    expect(await frame.getByText('When is a topic a spike?').count()).to.equal(0);
    // Only pages an instructor may open are linked.
    expect(await frame.getByRole('navigation').getByRole('link').allTextContents()).to.deep.equal([
      'Inbox',
      'Insights',
    ]);
    if (process.env.SCREENSHOT_DIR)
      await page.screenshot({
        path: `${process.env.SCREENSHOT_DIR}/insights-instructor.png`,
        fullPage: true,
      });
    await page.close();
    expect(problems).to.deep.equal([]);
  });

  it('fits a phone inside the LMS frame width', async () => {
    const page = await openPage({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).to.be.at.most(0);
    if (process.env.SCREENSHOT_DIR)
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/insights-phone.png`, fullPage: true });
    expect(problems).to.deep.equal([]);
  });
});
