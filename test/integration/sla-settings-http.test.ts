import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { DateTime } from 'luxon';
import { Types } from 'mongoose';
import type { SlaSettingsDto } from '../../src/http/presenters/sla-settings.presenter.js';
import { SlaSettingsModel } from '../../src/sla/sla-settings.model.js';
import { invalidateTenantSla } from '../../src/sla/tenant-sla.js';
import { storedTenantSlas } from '../../src/storage/sla/stored-sla-settings.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { launch, launchWith } from '../support/lms-client.js';

const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';
/** An LTI system role that makes an admin but not an inbox lead (leads are institution/system Administrators). */
const SYS_ADMIN = 'http://purl.imsglobal.org/vocab/lis/v2/system/person#SysAdmin';

type Body = {
  data: SlaSettingsDto;
  imported?: number;
  skipped?: number;
  error?: { code: string; message: string };
};

/** The tenant id a session token carries (its payload's `tid`). */
const tenantOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')).tid as string;

/** An .ics with all-day closures in the coming months (so none is "past" whenever the test runs). */
function upcomingIcs(): { text: string; first: string; breakStart: string; breakEnd: string } {
  const day = (offset: number) => DateTime.utc().startOf('day').plus({ days: offset });
  const ics = (d: DateTime) => d.toFormat('yyyyLLdd');
  const holiday = day(40);
  const breakStart = day(60);
  const breakEndExclusive = day(63);
  const text = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Test//Closures//EN',
    'BEGIN:VEVENT',
    `UID:${randomUUID()}`,
    `DTSTART;VALUE=DATE:${ics(holiday)}`,
    `DTEND;VALUE=DATE:${ics(holiday.plus({ days: 1 }))}`,
    'SUMMARY:Founders Day',
    'END:VEVENT',
    'BEGIN:VEVENT',
    `UID:${randomUUID()}`,
    `DTSTART;VALUE=DATE:${ics(breakStart)}`,
    `DTEND;VALUE=DATE:${ics(breakEndExclusive)}`,
    'SUMMARY:Reading break',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
  return {
    text,
    first: holiday.toISODate() ?? '',
    breakStart: breakStart.toISODate() ?? '',
    breakEnd: breakEndExclusive.minus({ days: 1 }).toISODate() ?? '',
  };
}

describe('Hours and SLAs settings over HTTP', function () {
  this.timeout(60_000);
  let app: TestApp;
  let lead: string;
  let learner: string;
  let instructor: string;
  let nonLeadAdmin: string;
  let tenantId: string;
  let icsServer: Server;
  let icsUrl: string;
  const ics = upcomingIcs();

  before(async () => {
    app = await startTestApp();
    lead = (await launch(app.url, { role: 'admin' })).sessionToken;
    learner = (await launch(app.url, { role: 'learner' })).sessionToken;
    instructor = (await launch(app.url, { role: 'instructor' })).sessionToken;
    nonLeadAdmin = (
      await launchWith(app.url, {
        role: 'admin',
        change: (claims) => {
          claims.sub = `sla-peer-${randomUUID()}`;
          claims[`${LTI}roles`] = [SYS_ADMIN];
        },
      })
    ).sessionToken;
    tenantId = tenantOf(lead);
    // Start from the defaults whatever an earlier run left.
    await SlaSettingsModel.deleteOne({ _id: new Types.ObjectId(tenantId) });
    invalidateTenantSla(tenantId);
    icsServer = createServer((req, res) => {
      if (req.url === '/closures.ics') {
        res.writeHead(200, { 'content-type': 'text/calendar' });
        res.end(ics.text);
      } else {
        res.writeHead(404).end('not here');
      }
    });
    await new Promise<void>((resolve) => icsServer.listen(0, '127.0.0.1', resolve));
    icsUrl = `http://127.0.0.1:${(icsServer.address() as AddressInfo).port}`;
  });

  after(async () => {
    // Leave the shared tenant with the defaults other tests expect.
    if (tenantId) await SlaSettingsModel.deleteOne({ _id: new Types.ObjectId(tenantId) });
    invalidateTenantSla();
    icsServer?.close();
    await app?.stop();
  });

  const call = async (path: string, init: RequestInit = {}, token = lead) => {
    const headers = new Headers(init.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    const response = await fetch(`${app.url}${path}`, { ...init, headers });
    const text = await response.text();
    let body: Body;
    try {
      body = JSON.parse(text) as Body;
    } catch {
      body = { html: text } as unknown as Body;
    }
    return { status: response.status, body };
  };
  const put = (body: unknown, token = lead) =>
    call(
      '/api/settings/sla',
      { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
      token,
    );
  const retimeJob = (version: number) =>
    app.runtime.queues.get('sla').getJob(`sla-retime-${tenantId}-${version}`);

  it('a lead reads the defaults: Mon–Fri 9–17 in the tenant zone, the default targets, a preview', async () => {
    const { status, body } = await call('/api/settings/sla');
    expect(status).to.equal(200);
    expect(body.data.version).to.equal(0);
    expect(body.data.weeklyHours.mon).to.deep.equal([{ start: '09:00', end: '17:00' }]);
    expect(body.data.weeklyHours.sat ?? []).to.deep.equal([]);
    expect(body.data.policies[0]?.targets.urgent.first_response).to.deep.equal({
      minutes: 5,
      clock: 'calendar',
    });
    expect(body.data.policies[0]?.targets.low.first_response).to.deep.equal({
      minutes: 960,
      clock: 'business',
    });
    expect(body.data).to.include({ warnShare: 0.75, pauseWhileWaitingOnLearner: true });
    expect(body.data.digest).to.deep.equal({ enabled: true, everyBusinessMinutes: 120 });
    expect(body.data.preview.map((p) => p.priority)).to.deep.equal(['low', 'normal', 'high', 'urgent']);
    expect(body.data.preview.find((p) => p.priority === 'normal')?.text).to.match(/\d{1,2}:\d{2}, .+ time$/);
    expect(body.data).to.not.have.property('tenantId');
    expect(body.data).to.not.have.property('_id');
  });

  it('saves hours, a holiday and a rule; the change is versioned, re-times clocks and reaches the TenantSla', async () => {
    const { status, body } = await put({
      timeZone: 'America/New_York',
      weeklyHours: {
        mon: [
          { start: '08:00', end: '12:00' },
          { start: '13:00', end: '18:00' },
        ],
        tue: [{ start: '09:00', end: '17:00' }],
        wed: [{ start: '09:00', end: '17:00' }],
        thu: [{ start: '09:00', end: '17:00' }],
        fri: [{ start: '22:00', end: '02:00' }],
      },
      closures: [{ name: 'Staff retreat', start: '2027-03-15', end: '2027-03-16' }],
      rules: [{ id: 'access', name: 'Access', policyId: 'default', when: { categories: ['Access'] } }],
      digest: { enabled: true, everyBusinessMinutes: 90 },
    });
    expect(status, JSON.stringify(body.error)).to.equal(200);
    expect(body.data.version).to.equal(1);
    expect(body.data.closures).to.deep.equal([
      { name: 'Staff retreat', start: '2027-03-15', end: '2027-03-16', source: 'manual' },
    ]);
    const again = await call('/api/settings/sla');
    expect(again.body.data.weeklyHours.mon).to.have.length(2);
    expect(again.body.data.weeklyHours.fri).to.deep.equal([{ start: '22:00', end: '02:00' }]);
    expect(again.body.data.digest.everyBusinessMinutes).to.equal(90);
    const job = await retimeJob(1);
    expect(job?.data).to.deep.equal({ tenantId, version: 1 });
    // The process's TenantSla sees the save at once (its cache is invalidated on save).
    const sla = await storedTenantSlas()(tenantId);
    expect(
      sla.calendar.isOpen(DateTime.fromISO('2027-03-15T10:00', { zone: 'America/New_York' }).toJSDate()),
    ).to.equal(false);
    expect(
      sla.calendar.isOpen(DateTime.fromISO('2027-03-13T01:00', { zone: 'America/New_York' }).toJSDate()),
    ).to.equal(true);
    expect(sla.digest.everyBusinessMinutes).to.equal(90);
  });

  it('refuses bad input with a message naming the field; nothing is saved and nothing re-timed', async () => {
    const cases: [unknown, RegExp][] = [
      [
        {
          weeklyHours: {
            mon: [
              { start: '09:00', end: '12:00' },
              { start: '11:00', end: '13:00' },
            ],
          },
        },
        /^weeklyHours\.mon\[1\]: 11:00–13:00 overlaps 09:00–12:00 on Monday$/,
      ],
      [{ weeklyHours: {} }, /^weeklyHours: the calendar has no open hours/],
      [{ timeZone: 'Mars/Olympus' }, /^timeZone: "Mars\/Olympus" is not a time zone we know/],
      [
        { closures: [{ name: 'Break', start: '2027-01-10', end: '2027-01-02' }] },
        /^closures\[0\]\.end: is before the start/,
      ],
      [{ warnShare: 'lots' }, /^warnShare: /],
      [
        {
          closures: [0, 366].map((offset) => ({
            name: `Closed ${offset}`,
            start: DateTime.utc()
              .plus({ days: offset - 1 })
              .toISODate(),
            end: DateTime.utc()
              .plus({ days: offset + 364 })
              .toISODate(),
          })),
        },
        /^closures: the calendar has no open hours in the next 400 days/,
      ],
      [{ colour: 'blue' }, /colour/],
    ];
    for (const [input, message] of cases) {
      const { status, body } = await put(input);
      expect(status, JSON.stringify(input)).to.equal(400);
      expect(body.error?.message).to.match(message);
      expect(body.error?.message).to.not.match(/at .*\.ts|Error:/);
    }
    const after = await call('/api/settings/sla');
    expect(after.body.data.version).to.equal(1);
    expect(after.body.data.closures).to.have.length(1);
    expect(await retimeJob(2)).to.equal(undefined);
  });

  it('refuses a save made on an older version (409), keeping the newer one', async () => {
    const { status, body } = await put({ version: 0, warnShare: 0.5 });
    expect(status).to.equal(409);
    expect(body.error?.message).to.match(/^version: /);
    expect((await call('/api/settings/sla')).body.data.warnShare).to.equal(0.75);
  });

  it('imports closures from an uploaded .ics, replacing an earlier import and keeping typed ones', async () => {
    const upload = () =>
      call('/api/settings/sla/ics', {
        method: 'POST',
        headers: { 'content-type': 'text/calendar' },
        body: ics.text,
      });
    const first = await upload();
    expect(first.status, JSON.stringify(first.body.error)).to.equal(200);
    expect(first.body.imported).to.equal(2);
    expect(first.body.data.closures).to.deep.include({
      name: 'Founders Day',
      start: ics.first,
      end: ics.first,
      source: 'ics',
    });
    expect(first.body.data.closures).to.deep.include({
      name: 'Reading break',
      start: ics.breakStart,
      end: ics.breakEnd,
      source: 'ics',
    });
    const second = await upload();
    expect(second.status).to.equal(200);
    expect(second.body.data.closures).to.have.length(3); // the typed one and the two imported, once
    expect(second.body.data.version).to.equal(3);
    expect(await retimeJob(3)).to.not.equal(undefined);
  });

  it('imports from a URL, and refuses a malformed file or a failing URL without saving', async () => {
    const before = (await call('/api/settings/sla')).body.data.version;
    const fromUrl = await call('/api/settings/sla/ics', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${icsUrl}/closures.ics` }),
    });
    expect(fromUrl.status, JSON.stringify(fromUrl.body.error)).to.equal(200);
    expect(fromUrl.body.imported).to.equal(2);
    expect(fromUrl.body.data.version).to.equal(before + 1);

    const refusals: [RequestInit, RegExp][] = [
      [
        { headers: { 'content-type': 'text/calendar' }, body: 'BEGIN:VCALENDAR\nthis is not ics\n' },
        /^file: not a valid iCalendar/,
      ],
      [
        {
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ url: `${icsUrl}/missing.ics` }),
        },
        /^url: the calendar server answered 404$/,
      ],
      [
        {
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ url: 'ftp://example.edu/x.ics' }),
        },
        /^url: must be an http/,
      ],
      [{ headers: { 'content-type': 'application/json' }, body: JSON.stringify({}) }, /^file: /],
    ];
    for (const [init, message] of refusals) {
      const { status, body } = await call('/api/settings/sla/ics', { method: 'POST', ...init });
      expect(status).to.equal(400);
      expect(body.error?.message).to.match(message);
    }
    expect((await call('/api/settings/sla')).body.data.version).to.equal(before + 1);
  });

  it("a policy rule chooses the learner's promised reply-by (learners: 30 minutes around the clock)", async () => {
    const current = (await call('/api/settings/sla')).body.data;
    const base = current.policies[0];
    if (!base) throw new Error('no policy');
    const fast = structuredClone(base);
    fast.id = 'learners-fast';
    fast.name = 'Learners, fast';
    fast.targets.normal.first_response = { minutes: 30, clock: 'calendar' };
    const saved = await put({
      version: current.version,
      policies: [base, fast],
      rules: [{ id: 'learners', name: 'Learners', policyId: 'learners-fast', when: { roles: ['learner'] } }],
    });
    expect(saved.status, JSON.stringify(saved.body.error)).to.equal(200);

    const { sessionToken } = await launchWith(app.url, {
      role: 'learner',
      change: (claims) => {
        claims.sub = `sla-learner-${randomUUID()}`;
      },
    });
    const opened = await call('/api/chat', {}, sessionToken);
    const conversationId = (opened.body as unknown as { conversation: { id: string } }).conversation.id;
    const before = Date.now();
    const handoff = await call(
      '/api/chat/handoff',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ conversationId }),
      },
      sessionToken,
    );
    const after = Date.now();
    expect(handoff.status).to.equal(200);
    // A learner asking for a person is a normal-priority handoff: the rule's policy sets its reply-by.
    const { conversation } = handoff.body as unknown as { conversation: { replyBy: string } };
    const replyBy = Date.parse(conversation.replyBy);
    expect(replyBy).to.be.within(before + 30 * 60_000 - 1000, after + 30 * 60_000 + 1000);
  });

  it('only inbox leads reach the page and the API', async () => {
    const page = await call('/settings/hours', { headers: { accept: 'text/html' } });
    expect(page.status).to.equal(200);
    expect((page.body as unknown as { html: string }).html).to.contain('Hours and SLAs');
    for (const [token, message] of [
      [learner, /inbox leads/],
      [instructor, /inbox leads/],
      [nonLeadAdmin, /ask a lead/],
    ] as const) {
      const api = await call('/api/settings/sla', {}, token);
      expect(api.status).to.equal(403);
      expect(api.body.error?.message).to.match(message);
      expect((await put({ warnShare: 0.5 }, token)).status).to.equal(403);
      expect(
        (
          await call(
            '/api/settings/sla/ics',
            { method: 'POST', headers: { 'content-type': 'text/calendar' }, body: ics.text },
            token,
          )
        ).status,
      ).to.equal(403);
      expect((await call('/settings/hours', { headers: { accept: 'text/html' } }, token)).status).to.equal(
        403,
      );
    }
    expect((await call('/api/settings/sla', {}, '')).status).to.equal(401);
    expect((await call('/api/settings/sla')).body.data.warnShare).to.equal(0.75);
  });
});
