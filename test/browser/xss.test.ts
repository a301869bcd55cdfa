import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Types } from 'mongoose';
import type { Dialog, Page } from 'playwright-core';
import { LabelledMissModel } from '../../src/knowledge/labelled-miss.model.js';
import { LeadModel } from '../../src/leads/lead.model.js';
import { HTML_PAYLOADS, oneLine } from '../fixtures/xss/payloads.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { openBrowser, openToolPage } from '../support/browser.js';
import { eventually } from '../support/eventually.js';
import { api, type Body, handOff, type Person } from '../support/people.js';
import { type Institution, launchInto, newInstitution } from '../support/tenants.js';

const P = HTML_PAYLOADS.map(oneLine);
const LEARNER_NAME = `${P[1]} Learner`;
const COURSE_TITLE = `${P[2]} Course`;
const ADMIN_NAME = `${P[4]} Admin`;
const NOTE = `Note ${P[5]}`;
const REPLY = `Reply ${P[6]}`;
const CANNED_TITLE = `Canned ${P[7]}`;
const TEAM_NAME = `Team ${P[11]}`;
const RULE_NAME = `Rule ${P[12]}`;
const QA_QUESTION = `Question ${P[0]}`;
const FILE_NAME = `${(P[3] as string).replace(/"/g, "'")}.md`;
const LEAD_NAME = `Lead ${P[1]}`;
const MISS_QUESTION = `Missed ${P[8]}`;
const CHANNEL_NAME = `Channel ${P[5]}`;

/**
 * What a page let through, if anything: an element a payload carries (data-xss), an inline event handler
 * attribute, a javascript: link, a srcdoc frame, a script element written by our code.
 */
async function injected(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    for (const element of Array.from(document.querySelectorAll('*'))) {
      for (const attribute of Array.from(element.attributes)) {
        if (attribute.name === 'data-xss' || /^on/i.test(attribute.name))
          found.push(`<${element.localName} ${attribute.name}>`);
        if (
          /^\s*javascript:/i.test(attribute.value) &&
          /^(href|src|action|formaction|xlink:href)$/i.test(attribute.name)
        )
          found.push(`<${element.localName} ${attribute.name}="${attribute.value}">`);
      }
      if (element.localName === 'iframe' && element.hasAttribute('srcdoc')) found.push('<iframe srcdoc>');
      if (element.localName === 'script') {
        const script = element as HTMLScriptElement;
        if (!script.src && script.type !== 'application/json')
          found.push(`<script>${script.text.slice(0, 60)}`);
      }
    }
    return found;
  });
}

describe('XSS corpus in Chromium: chat, inbox and admin pages show payloads as text and run none', function () {
  this.timeout(300_000);
  let app: TestApp;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let admin: Person;
  let learner: Person;
  let thread: string;
  let place: Institution;
  /** Every dialog any page opened, for the whole life of every page (a payload calls alert()). */
  const dialogs: string[] = [];
  const problems: string[] = [];

  before(async () => {
    app = await startTestApp({ worker: true });
    place = await newInstitution(app, 'Xss Browser');
    const course = { id: `xss-course-${randomUUID().slice(0, 8)}`, title: COURSE_TITLE };
    admin = await launchInto(app, place, { role: 'admin', name: ADMIN_NAME, course });
    learner = await launchInto(app, place, { role: 'learner', name: LEARNER_NAME, course });
    // The learner writes the whole corpus, a few payloads per message, then asks for a person.
    const opened = await api(app, learner, '/api/chat');
    const conversationId = opened.body.conversation.id as string;
    for (let i = 0; i < HTML_PAYLOADS.length; i += 5) {
      const posted = await api(app, learner, '/api/chat/messages', {
        method: 'POST',
        body: {
          conversationId,
          clientId: `x-${randomUUID()}`,
          text: HTML_PAYLOADS.slice(i, i + 5).join('\n'),
        },
      });
      expect(posted.status, posted.text).to.equal(201);
    }
    thread = await handOff(app, learner, `Please help ${HTML_PAYLOADS[0]}`);
    const claim = await api(app, admin, `/api/inbox/conversations/${thread}/claim`, { method: 'POST' });
    expect(claim.status, claim.text).to.equal(200);
    for (const [path, text] of [
      ['notes', NOTE],
      ['reply', REPLY],
    ] as const) {
      const sent = await api(app, admin, `/api/inbox/conversations/${thread}/${path}`, {
        method: 'POST',
        body: { clientId: `s-${randomUUID()}`, text },
      });
      expect(sent.status, sent.text).to.equal(201);
    }
    const writes: [string, string, unknown][] = [
      [
        'POST',
        '/api/inbox/canned-replies',
        { title: CANNED_TITLE, text: `${HTML_PAYLOADS[9]} {{learner.firstName}}` },
      ],
      ['POST', '/api/inbox/teams', { name: TEAM_NAME, memberIds: [admin.userId], courseIds: [] }],
      [
        'POST',
        '/api/settings/keyword-rules',
        { name: RULE_NAME, pattern: P[1], category: (P[13] as string).slice(0, 60).trim() },
      ],
      ['POST', '/api/knowledge/qa', { question: QA_QUESTION, answer: HTML_PAYLOADS[10] }],
      [
        'PUT',
        '/api/settings/notifications',
        {
          channels: [
            { type: 'email', name: CHANNEL_NAME, target: 'desk@example.edu', kinds: ['handoff_new'] },
          ],
        },
      ],
    ];
    for (const [method, path, body] of writes) {
      const done = await api(app, admin, path, { method, body });
      expect(done.status, `${path}: ${done.text}`).to.be.oneOf([200, 201]);
    }
    const form = new FormData();
    form.append('files', new Blob(['Help text for the corpus.\n'], { type: 'text/markdown' }), FILE_NAME);
    const uploaded = await fetch(`${app.url}/api/knowledge/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.token}` },
      body: form,
    });
    expect(uploaded.status, await uploaded.text()).to.be.oneOf([200, 202]);
    const tenantId = new Types.ObjectId(admin.tenantId);
    await LeadModel.create({
      tenantId,
      conversationId: new Types.ObjectId(thread),
      userId: new Types.ObjectId(learner.userId),
      message: HTML_PAYLOADS[12],
      stage: 'captured',
      askedAt: new Date(),
      capturedAt: new Date(),
      contact: { name: LEAD_NAME, email: 'lead@example.org', organisation: P[6], role: P[7], interest: P[8] },
      consent: { text: 'ok', at: new Date() },
    });
    await LabelledMissModel.create({
      _id: new Types.ObjectId(),
      tenantId,
      conversationId: new Types.ObjectId(thread),
      question: MISS_QUESTION,
      language: 'en',
      askerRole: 'learner',
      answer: { text: HTML_PAYLOADS[3], notCovered: true, sources: [], answeredAt: new Date() },
      signal: 'thumbs_down',
      recordedAt: new Date(),
    });
    browser = await openBrowser();
    // Listening for the whole life of every page: a dialog at any moment fails the suite.
    const watch = (page: Page) =>
      page.on('dialog', (dialog: Dialog) => {
        dialogs.push(`${page.url()}: ${dialog.type()} ${dialog.message()}`);
        void dialog.dismiss().catch(() => undefined);
      });
    for (const page of browser.context.pages()) watch(page);
    browser.context.on('page', watch);
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });
  afterEach(() => {
    expect(dialogs, 'dialogs opened by a payload').to.deep.equal([]);
  });

  /** Opens a page as `who`, waits until every text in `shows` is on screen, and checks nothing ran. */
  async function visit(
    who: Person,
    path: string,
    shows: string[],
    hash = '',
    /** What a person then does on the page (its result is checked for injections too). */
    act?: (page: Page) => Promise<void>,
  ) {
    const page = await openToolPage(
      browser.context,
      `${app.url}${path}?ltik=${encodeURIComponent(who.token)}${hash}`,
      problems,
    );
    try {
      for (const text of shows)
        await page
          // innerText: what is on screen as text (markup a payload became would not read as its source).
          // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point.
          .waitForFunction((wanted) => document.body.innerText.includes(wanted), text, { timeout: 20_000 })
          .catch(async () => {
            throw new Error(
              // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, for the failure message.
              `${path} never showed ${JSON.stringify(text)}; it shows:\n${(await page.innerText('body')).slice(0, 1500)}`,
            );
          });
      await act?.(page);
      expect(await injected(page), `${path}: injected markup`).to.deep.equal([]);
      if (process.env.SCREENSHOT_DIR)
        await page.screenshot({
          path: `${process.env.SCREENSHOT_DIR}/xss${path.replace(/\//g, '-')}.png`,
          fullPage: true,
        });
      expect(dialogs, `${path}: dialogs`).to.deep.equal([]);
    } finally {
      await page.close();
    }
  }

  it('the checks catch what they look for (an injected element, a handler, a dialog)', async () => {
    // Its own problem list: the probe's handler is refused by the CSP, as an injected one would be.
    const page = await openToolPage(browser.context, `${app.url}/healthz`, []);
    try {
      await page.evaluate(() => {
        const img = document.createElement('img');
        img.setAttribute('data-xss', '');
        img.setAttribute('onerror', 'void 0');
        document.body.append(img);
      });
      expect(await injected(page)).to.deep.equal(['<img data-xss>', '<img onerror>']);
      await page.evaluate(() => window.alert('probe'));
      expect(dialogs).to.have.length(1);
      dialogs.length = 0;
    } finally {
      await page.close();
    }
  });

  it('the chat page: the learner’s own name, course title, messages and the staff reply are text', async () => {
    await visit(learner, '/chat', [
      COURSE_TITLE,
      HTML_PAYLOADS[0] as string,
      HTML_PAYLOADS[13] as string,
      REPLY,
    ]);
  });

  it('the chat page: a bot answer quoting a payload document cites its payload title as text', async () => {
    const question = `How do I renew my zorblax licence ${P[0]}`;
    const qa = await api(app, admin, '/api/knowledge/qa', {
      method: 'POST',
      body: { question, answer: `Renew the zorblax licence here: ${HTML_PAYLOADS[1]} **${P[3]}**` },
    });
    expect(qa.status, qa.text).to.equal(201);
    await eventually(async () => {
      const source = await api(app, admin, `/api/knowledge/sources/${qa.body.data.id}`);
      return source.body.data?.status === 'ready';
    }, 'the Q&A to be searchable');
    const asker = await launchInto(app, place, {
      role: 'learner',
      name: 'Quinn Asker',
      course: { id: 'xss-asker', title: 'Asking' },
    });
    const opened = await api(app, asker, '/api/chat');
    const clientId = `q-${randomUUID()}`;
    const posted = await api(app, asker, '/api/chat/messages', {
      method: 'POST',
      body: {
        conversationId: opened.body.conversation.id,
        clientId,
        text: 'How do I renew my zorblax licence?',
      },
    });
    expect(posted.status, posted.text).to.equal(201);
    const answer = await eventually(async () => {
      const read = await api(app, asker, '/api/chat');
      return (read.body.messages as Body[]).find(
        (m) => m.clientId === `bot:${clientId}` && m.citations?.length,
      );
    }, 'a cited bot answer');
    expect(answer.citations[0].title).to.equal(question);
    await visit(asker, '/chat', [question, HTML_PAYLOADS[1] as string]);

    // A citation whose stored address is a script URL is shown as text, not as a link.
    const page = await browser.context.newPage();
    try {
      await page.route('**/api/chat', async (route) => {
        const response = await route.fetch();
        const body = await response.json();
        for (const message of body.messages as Body[])
          for (const citation of message.citations ?? []) citation.url = 'javascript:alert("xss-cite")';
        await route.fulfill({ response, json: body });
      });
      await page.goto(`${app.url}/chat?ltik=${encodeURIComponent(asker.token)}`);
      await page.getByText(question).first().waitFor();
      expect(await injected(page)).to.deep.equal([]);
    } finally {
      await page.close();
    }
  });

  it('the inbox: the list, the thread with its messages, note and reply, and a canned reply inserted are text', async () => {
    await visit(
      admin,
      '/inbox',
      [LEARNER_NAME, HTML_PAYLOADS[7] as string, NOTE, REPLY],
      `#conversation=${thread}`,
      async (page) => {
        // The canned reply is offered by its title and inserted into the reply box as text.
        const option = page.locator('#canned option', { hasText: 'Canned <iframe' });
        expect(await option.textContent()).to.equal(CANNED_TITLE);
        await page.selectOption('#canned', { label: CANNED_TITLE });
        await page.click('#insert-canned');
        await page.waitForFunction(
          () =>
            (document.querySelector('#reply') as HTMLTextAreaElement | null)?.value.includes(
              'constructor.constructor',
            ),
          undefined,
          { timeout: 10_000 },
        );
      },
    );
  });

  it('inbox setup: teams, canned replies and the audit log are text', async () => {
    await visit(admin, '/inbox/setup', [TEAM_NAME, CANNED_TITLE]);
  });

  it('knowledge: document titles, file names and missed questions are text', async () => {
    await visit(admin, '/knowledge', [QA_QUESTION, FILE_NAME.replace(/.md$/, ''), MISS_QUESTION]);
  });

  it('leads, handoff settings and notification settings list the payloads as text', async () => {
    await visit(admin, '/leads', [LEAD_NAME]);
    // The rules table shows a rule's pattern and category (its name is the rows' accessible label).
    await visit(admin, '/settings', [P[1] as string, (P[13] as string).slice(0, 60).trim()]);
    await visit(admin, '/settings/notifications', [CHANNEL_NAME]);
    await visit(admin, '/insights', [ADMIN_NAME]);
  });

  it('had no script errors or CSP refusals on any page', () => {
    expect(problems.filter((p) => !/status of 4dd/.test(p))).to.deep.equal([]);
  });
});
