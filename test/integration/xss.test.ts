import { expect } from 'chai';
import { Types } from 'mongoose';
import { LTI } from '../../src/devlms/constants.js';
import { LabelledMissModel } from '../../src/knowledge/labelled-miss.model.js';
import { LeadModel } from '../../src/leads/lead.model.js';
import { csvCell, toCsv } from '../../src/lib/csv.js';
import {
  ALL_PAYLOADS,
  FORMULA_PAYLOADS,
  FORMULA_START,
  HTML_PAYLOADS,
  LIVE_MARKUP,
  oneLine,
} from '../fixtures/xss/payloads.js';
import type { TestApp } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { beginLaunch, forgedToken, postLaunch } from '../support/lms-client.js';
import { api, type Body, handOff, type Person } from '../support/people.js';
import type { HttpReceiver, SmtpReceiver } from '../support/receivers.js';
import { type AppWithReceivers, startAppWithReceivers } from '../support/receiving-app.js';
import { type Institution, launchInto, newInstitution } from '../support/tenants.js';

/** RFC 4180 rows (quoted cells, doubled quotes, CRLF or LF line ends inside quotes kept). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const body = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < body.length; i++) {
    const char = body[i] as string;
    if (quoted) {
      if (char === '"' && body[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && body[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += char;
  }
  if (cell || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** A spreadsheet would read none of these cells as a formula; the apostrophe-less value is what was typed. */
function expectInertCells(rows: string[][], what: string) {
  for (const row of rows)
    for (const cell of row)
      expect(FORMULA_START.test(cell), `${what}: cell ${JSON.stringify(cell)}`).to.equal(false);
}

describe('XSS corpus: names, titles, messages and notes stay text in pages, emails, Slack and exports', function () {
  this.timeout(300_000);
  let app: TestApp;
  let smtp: SmtpReceiver;
  let http: HttpReceiver;
  let receiving: AppWithReceivers;
  let place: Institution;
  let lead: Person;

  before(async () => {
    ({ app, smtp, http } = receiving = await startAppWithReceivers({ FOLLOW_UP_GRACE_SECONDS: '1' }));
    place = await newInstitution(app, 'Xss');
    lead = await launchInto(app, place, {
      role: 'admin',
      name: oneLine(HTML_PAYLOADS[4] as string),
      course: { id: 'xss-admin-course', title: oneLine(HTML_PAYLOADS[0] as string) },
    });
    const saved = await api(app, lead, '/api/settings/notifications', {
      method: 'PUT',
      body: {
        channels: [
          { type: 'email', name: 'Desk', target: 'desk@example.edu', kinds: ['handoff_new'] },
          { type: 'slack', name: 'Slack', target: `${http.url}/slack/xss`, kinds: ['handoff_new'] },
          { type: 'teams', name: 'Teams', target: `${http.url}/teams/xss`, kinds: ['handoff_new'] },
        ],
      },
    });
    expect(saved.status, saved.text).to.equal(200);
  });
  after(() => receiving?.stop());

  it('CSV cells: every formula starter of the corpus gets an apostrophe and reads back as typed', () => {
    for (const payload of ALL_PAYLOADS) {
      const [row] = parseCsv(toCsv([[payload]]));
      const cell = row?.[0] as string;
      expect(FORMULA_START.test(cell), JSON.stringify(cell)).to.equal(false);
      expect([payload, `'${payload}`]).to.include(cell);
    }
    expect(csvCell('plain text')).to.equal('plain text');
  });

  it('server-rendered pages show a payload name and course title as text', async () => {
    const pages = [
      '/chat',
      '/inbox',
      '/inbox/setup',
      '/knowledge',
      '/leads',
      '/insights',
      '/settings',
      '/settings/hours',
      '/settings/notifications',
      '/deep-link',
    ];
    for (const path of pages) {
      const response = await fetch(`${app.url}${path}?ltik=${encodeURIComponent(lead.token)}`, {
        headers: { accept: 'text/html' },
      });
      const html = await response.text();
      expect(response.status, path).to.equal(200);
      // Every page but the deep-linking form has the signed-in person's name in its header.
      if (path !== '/deep-link')
        expect(html, `${path} shows the name`).to.include(
          '&#34;&gt;&lt;img src=x onerror=alert(&#34;xss-5&#34;)',
        );
      expect(LIVE_MARKUP.test(html), `${path}: ${html.match(LIVE_MARKUP)?.[0]}`).to.equal(false);
    }
    // The launch's error page too (a refused role name is not echoed as markup).
    const refused = await fetch(
      `${app.url}/knowledge?ltik=${encodeURIComponent('"><script>alert(1)</script>')}`,
      {
        headers: { accept: 'text/html' },
      },
    );
    expect(LIVE_MARKUP.test(await refused.text())).to.equal(false);
  });

  it('the launch refusal page shows no claim of a refused launch as markup', async () => {
    for (const payload of HTML_PAYLOADS.slice(0, 6)) {
      const step = await beginLaunch(app.url, { role: 'learner' });
      const idToken = await forgedToken(step, {
        role: 'learner',
        baseUrl: app.url,
        change: (claims) => {
          claims[`${LTI}deployment_id`] = payload;
          claims[`${LTI}roles`] = [payload];
          claims.name = payload;
        },
      });
      const response = await postLaunch(step, { id_token: idToken, state: step.state });
      const html = await response.text();
      expect(response.status, html.slice(0, 300)).to.be.within(400, 499);
      expect(LIVE_MARKUP.test(html), `${payload}: ${html.match(LIVE_MARKUP)?.[0]}`).to.equal(false);
    }
  });

  it('handoff emails, Slack and Teams messages carry each payload (learner name, course title, question) as text', async () => {
    const threads: { id: string; payload: string }[] = [];
    for (const [i, payload] of HTML_PAYLOADS.entries()) {
      const learner = await launchInto(app, place, {
        role: 'learner',
        name: `${oneLine(payload)} L${i}`,
        course: { id: `xss-course-${i}`, title: `${oneLine(payload)} C${i}` },
      });
      threads.push({ id: await handOff(app, learner, payload), payload });
    }
    for (const { id, payload } of threads) {
      const mail = await smtp.waitFor((m) => m.text.includes(`/go/thread/${id}`) || m.html.includes(id));
      expect(
        LIVE_MARKUP.test(mail.html),
        `email html for ${payload}: ${mail.html.match(LIVE_MARKUP)?.[0]}`,
      ).to.equal(false);
      expect(mail.html).not.to.match(/href="javascript:/i);
      // What the learner typed is there, as text, in the plain part.
      expect(mail.text, 'plain text part').to.include(oneLine(payload).slice(0, 20));
      expect(mail.subject).to.include(oneLine(payload).slice(0, 12));
      const slack = await http.waitFor((r) => r.path === '/slack/xss' && r.body.includes(`/go/thread/${id}`));
      const body = slack.json as Body;
      // Slack parses mrkdwn (the fallback `text` and mrkdwn sections); plain_text (the header) is shown as is.
      const texts = [
        body.text,
        ...body.blocks.filter((b: Body) => b.text?.type === 'mrkdwn').map((b: Body) => b.text.text),
      ].join('\n');
      const header = body.blocks.find((b: Body) => b.type === 'header');
      expect(header.text.type).to.equal('plain_text');
      // Only the links we made are Slack markup; no text of the learner's opens a link or pings a channel.
      const withoutOurLinks = texts.replace(
        new RegExp(`<${app.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[^|>]+\\|[^>]+>`, 'g'),
        '',
      );
      expect(withoutOurLinks, `slack for ${payload}`).not.to.match(/[<>]/);
      expect(withoutOurLinks).not.to.include('<!channel>');
      // Teams cards read markdown: every bracket, parenthesis and angle bracket of the learner's text is escaped.
      const teams = await http.waitFor((r) => r.path === '/teams/xss' && r.body.includes(`/go/thread/${id}`));
      const card = (teams.json as Body).attachments[0].content;
      const cardTexts = [
        ...card.body.filter((b: Body) => b.type === 'TextBlock').map((b: Body) => b.text as string),
        ...card.body
          .filter((b: Body) => b.type === 'FactSet')
          .flatMap((b: Body) => b.facts.map((f: Body) => f.value as string)),
      ];
      for (const text of cardTexts)
        expect(text.replace(/\\./g, ''), `teams for ${payload}`).not.to.match(/[<>[\]()]/);
      expect(card.actions.map((a: Body) => a.url)).to.deep.equal([`${app.url}/go/thread/${id}`]);
    }
  });

  it('the follow-up email to a learner who left carries a payload reply and a payload staff name as text', async () => {
    const email = `xss-learner-${Date.now()}@example.edu`;
    const learner = await launchInto(app, place, {
      role: 'learner',
      name: `${oneLine(HTML_PAYLOADS[12] as string)} Fern`,
      course: { id: 'xss-follow-up', title: oneLine(HTML_PAYLOADS[7] as string) },
      email,
    });
    const id = await handOff(app, learner, 'Please write back');
    expect(
      (await api(app, lead, `/api/inbox/conversations/${id}/claim`, { method: 'POST' })).status,
    ).to.equal(200);
    const replied = await api(app, lead, `/api/inbox/conversations/${id}/reply`, {
      method: 'POST',
      body: { clientId: `r-${Date.now()}`, text: HTML_PAYLOADS.join('\n') },
    });
    expect(replied.status, replied.text).to.equal(201);
    const mail = await smtp.waitFor((m) => m.to.includes(email), 30_000);
    expect(LIVE_MARKUP.test(mail.html), mail.html.match(LIVE_MARKUP)?.[0]).to.equal(false);
    expect(mail.html).not.to.match(/href="\s*javascript:/i);
    expect(mail.text).to.include(HTML_PAYLOADS[0]);
    expect(mail.headers).not.to.have.property('bcc');
  });

  it('a keyword rule whose phrase is a payload (with hyphens, quotes, brackets) is saved and listed as typed', async () => {
    for (const pattern of [HTML_PAYLOADS[1], HTML_PAYLOADS[4], 'e-mail log-in']) {
      const created = await api(app, lead, '/api/settings/keyword-rules', {
        method: 'POST',
        body: { pattern, category: 'Corpus' },
      });
      expect(created.status, `${pattern}: ${created.text}`).to.equal(201);
      expect(created.body.data.pattern).to.equal(pattern);
    }
  });

  it('a name with a line break cannot add mail headers', async () => {
    const learner = await launchInto(app, place, {
      role: 'learner',
      name: 'Mallory\r\nBcc: victim@example.org\r\nX-Injected: yes',
      course: { id: 'xss-crlf', title: 'Course\r\nX-Course-Injected: yes' },
    });
    const id = await handOff(app, learner, 'Header test');
    const mail = await smtp.waitFor((m) => m.text.includes(`/go/thread/${id}`));
    expect(mail.to).to.deep.equal(['desk@example.edu']);
    expect(mail.headers).not.to.have.property('x-injected');
    expect(mail.headers).not.to.have.property('x-course-injected');
    expect(mail.headers).not.to.have.property('bcc');
  });

  it('the leads CSV prefixes formula starters in names, organisations and messages', async () => {
    const tenantId = new Types.ObjectId(lead.tenantId);
    for (const payload of ALL_PAYLOADS)
      await LeadModel.create({
        tenantId,
        conversationId: new Types.ObjectId(),
        userId: new Types.ObjectId(),
        message: payload,
        stage: 'captured',
        askedAt: new Date(),
        capturedAt: new Date(),
        contact: {
          name: oneLine(payload),
          email: 'p@example.org',
          organisation: payload,
          role: payload,
          interest: payload,
        },
        consent: { text: 'ok', at: new Date() },
      });
    const response = await fetch(`${app.url}/api/leads/export.csv`, {
      headers: { authorization: `Bearer ${lead.token}` },
    });
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.match(/^text\/csv/);
    const rows = parseCsv(await response.text());
    expect(rows.length).to.be.greaterThan(ALL_PAYLOADS.length);
    expectInertCells(rows, 'leads.csv');
    const cells = new Set(rows.flat().map((cell) => cell.replace(/^'/, '')));
    for (const payload of FORMULA_PAYLOADS)
      expect(cells.has(payload), `leads.csv has ${JSON.stringify(payload)}`).to.equal(true);
    // The Leads page's JSON is JSON: the payloads come back exactly as typed, for the page to write as text.
    const listed = await api(app, lead, '/api/leads');
    const organisations = (listed.body.data.leads as Body[]).map(
      (l) => l.contact?.organisation ?? l.organisation,
    );
    expect(organisations).to.include(HTML_PAYLOADS[0]);
  });

  it('the insights CSV tables hold no cell a spreadsheet would run (an admin named as a formula)', async () => {
    const learner = await launchInto(app, place, {
      role: 'learner',
      name: FORMULA_PAYLOADS[3] as string,
      course: { id: 'xss-formula', title: FORMULA_PAYLOADS[2] as string },
    });
    const formulaAdmin = await launchInto(app, place, {
      role: 'admin',
      name: FORMULA_PAYLOADS[0] as string,
      course: { id: 'xss-formula', title: FORMULA_PAYLOADS[2] as string },
    });
    const id = await handOff(app, learner, `${FORMULA_PAYLOADS[1]} how do I export grades?`);
    const claimed = await api(app, formulaAdmin, `/api/inbox/conversations/${id}/claim`, { method: 'POST' });
    expect(claimed.status, claimed.text).to.equal(200);
    const replied = await api(app, formulaAdmin, `/api/inbox/conversations/${id}/reply`, {
      method: 'POST',
      body: { clientId: `r-${Date.now()}`, text: 'Here is how.' },
    });
    expect(replied.status, replied.text).to.equal(201);
    // A resolved thread under an SLA counts for its admin in the sla-admins table.
    const resolved = await api(app, formulaAdmin, `/api/inbox/conversations/${id}/resolve`, {
      method: 'POST',
      body: {},
    });
    expect(resolved.status, resolved.text).to.equal(200);
    const csv = async (table: string) => {
      const response = await fetch(`${app.url}/api/insights/export.csv?table=${table}`, {
        headers: { authorization: `Bearer ${lead.token}` },
      });
      expect(response.status, table).to.equal(200);
      return parseCsv(await response.text());
    };
    // The worker folds events into insight days in 10-second windows: wait for the admin's row.
    const admins = await eventually(
      async () => {
        const rows = await csv('sla-admins');
        return rows.some((row) => row[0]?.includes('HYPERLINK')) ? rows : undefined;
      },
      'the formula-named admin in the sla-admins table',
      60_000,
    );
    expect(admins.map((row) => row[0])).to.include(`'${FORMULA_PAYLOADS[0]}`);
    for (const table of ['summary', 'daily', 'reasons', 'topics', 'sla-teams', 'sla-admins'])
      expectInertCells(await csv(table), `insights ${table}`);
  });

  it('the missed-questions export is JSON lines giving back each payload exactly', async () => {
    const tenantId = new Types.ObjectId(lead.tenantId);
    const ids: string[] = [];
    for (const payload of ALL_PAYLOADS) {
      const miss = await LabelledMissModel.create({
        _id: new Types.ObjectId(),
        tenantId,
        conversationId: new Types.ObjectId(),
        question: payload,
        language: 'en',
        askerRole: 'learner',
        answer: { text: payload, notCovered: true, sources: [], answeredAt: new Date() },
        signal: 'thumbs_down',
        recordedAt: new Date(),
      });
      ids.push(String(miss._id));
      const labelled = await api(app, lead, `/api/knowledge/misses/${miss._id}/label`, {
        method: 'PUT',
        body: { label: 'out_of_scope' },
      });
      expect(labelled.status, labelled.text).to.equal(200);
    }
    const response = await fetch(`${app.url}/api/knowledge/misses/export.jsonl`, {
      headers: { authorization: `Bearer ${lead.token}` },
    });
    expect(response.headers.get('content-type')).to.match(/^application\/x-ndjson/);
    expect(response.headers.get('x-content-type-options')).to.equal('nosniff');
    const lines = (await response.text()).split('\n').filter(Boolean);
    const questions = lines.map((line) => JSON.parse(line).question ?? JSON.parse(line).text);
    for (const payload of ALL_PAYLOADS) expect(questions, JSON.stringify(payload)).to.include(payload);
  });

  it('knowledge titles and file names from the corpus come back as typed, never as markup', async () => {
    for (const payload of HTML_PAYLOADS.slice(0, 6)) {
      const form = new FormData();
      form.append(
        'files',
        new Blob(['Some help text for the corpus, with no heading of its own.\n'], { type: 'text/markdown' }),
        `${oneLine(payload).replace(/[/\\]/g, '_')}.md`,
      );
      const response = await fetch(`${app.url}/api/knowledge/files`, {
        method: 'POST',
        headers: { authorization: `Bearer ${lead.token}` },
        body: form,
      });
      const text = await response.text();
      expect([200, 202], text).to.include(response.status);
      expect(response.headers.get('content-type')).to.match(/^application\/json/);
    }
    const qa = await api(app, lead, '/api/knowledge/qa', {
      method: 'POST',
      body: { question: oneLine(HTML_PAYLOADS[1] as string), answer: HTML_PAYLOADS[2] },
    });
    expect(qa.status, qa.text).to.equal(201);
    const sources = await api(app, lead, '/api/knowledge/sources');
    const titles = (sources.body.data as Body[]).map((s) => s.title);
    expect(titles).to.include(oneLine(HTML_PAYLOADS[1] as string));
    const fileNames = (sources.body.data as Body[]).map((s) => s.fileName);
    // Browsers (and fetch's FormData) send a file name's quotes as %22; the rest arrives as typed.
    for (const payload of HTML_PAYLOADS.slice(0, 6))
      expect(fileNames).to.include(`${oneLine(payload).replace(/[/\\]/g, '_').replace(/"/g, '%22')}.md`);
  });

  it('canned replies and team names from the corpus are stored and rendered as typed', async () => {
    const payload = HTML_PAYLOADS[1] as string;
    const canned = await api(app, lead, '/api/inbox/canned-replies', {
      method: 'POST',
      body: { title: oneLine(payload), text: `${payload} {{learner.firstName}}` },
    });
    expect(canned.status, canned.text).to.equal(201);
    const learner = await launchInto(app, place, {
      role: 'learner',
      name: `${oneLine(HTML_PAYLOADS[0] as string)} Lee`,
      course: { id: 'xss-canned', title: 'Canned' },
    });
    const id = await handOff(app, learner, 'Canned test');
    const rendered = await api(app, lead, `/api/inbox/canned-replies/${canned.body.reply.id}/render`, {
      method: 'POST',
      body: { conversationId: id },
    });
    expect(rendered.status, rendered.text).to.equal(200);
    // The learner's name goes in as text; the template engine evaluates nothing else.
    expect(rendered.body.text).to.include(payload);
    const team = await api(app, lead, '/api/inbox/teams', {
      method: 'POST',
      body: { name: oneLine(HTML_PAYLOADS[5] as string), memberIds: [], courseIds: [] },
    });
    expect(team.status, team.text).to.equal(201);
    expect(team.body.team.name).to.equal(oneLine(HTML_PAYLOADS[5] as string));
    // A name made of template syntax is not evaluated when rendered into a reply.
    const template = await api(app, lead, '/api/inbox/canned-replies', {
      method: 'POST',
      body: { title: 'Template', text: HTML_PAYLOADS[9] },
    });
    const out = await api(app, lead, `/api/inbox/canned-replies/${template.body.reply.id}/render`, {
      method: 'POST',
      body: { conversationId: id },
    });
    expect(out.status, out.text).to.equal(200);
    expect(out.body.text).to.include('constructor.constructor');
  });
});
