import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { DateTime } from 'luxon';
import { AppError } from '../../../src/lib/errors.js';
import { ScheduledBusinessCalendar } from '../../../src/sla/calendar-schedule.js';
import {
  checkIcsUrl,
  closuresFromIcs,
  isPublicAddress,
  publicOnlyLookup,
} from '../../../src/sla/ics-import.js';
import { calendarRules, defaultSlaSettings } from '../../../src/sla/tenant-sla.js';

const FIXTURE = path.resolve(import.meta.dirname, '../../fixtures/sla-holidays.ics');
const NOW = new Date('2026-08-01T12:00:00Z');

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(AppError);
    expect((error as AppError).status).to.equal(400);
    return (error as Error).message;
  }
  return 'accepted';
}

describe('.ics import', () => {
  it('turns all-day events into named closures: single, multi-day, and yearly ones for two years', () => {
    const { closures, skipped } = closuresFromIcs(readFileSync(FIXTURE, 'utf8'), { now: NOW });
    expect(closures).to.deep.equal([
      { name: 'Labor Day', start: '2026-09-07', end: '2026-09-07' },
      { name: 'Thanksgiving break', start: '2026-11-26', end: '2026-11-27' },
      { name: 'Christmas Day', start: '2026-12-25', end: '2026-12-25' },
      { name: 'Christmas Day', start: '2027-12-25', end: '2027-12-25' },
    ]);
    expect(skipped).to.equal(2); // the timed meeting and the closure that is over
  });

  it('imported closures move reply-by times (Friday before Labor Day + 4 h → Tuesday 12:00)', () => {
    const settings = defaultSlaSettings('America/New_York');
    settings.closures = closuresFromIcs(readFileSync(FIXTURE, 'utf8'), { now: NOW }).closures.map((c) => ({
      ...c,
      source: 'ics' as const,
    }));
    const calendar = new ScheduledBusinessCalendar(calendarRules(settings));
    const start = DateTime.fromISO('2026-09-04T16:00', { zone: 'America/New_York' }).toJSDate();
    expect(calendar.describe(calendar.addBusinessMinutes(start, 240), 'en', start)).to.equal(
      'Tuesday 12:00, New York time',
    );
  });

  it('refuses a malformed file, naming the field', () => {
    expect(refusal(() => closuresFromIcs('hello', { now: NOW }))).to.match(
      /^file: not a valid iCalendar \(\.ics\) file/,
    );
    expect(refusal(() => closuresFromIcs('', { now: NOW }))).to.equal('file: the calendar is empty');
    expect(
      refusal(() =>
        closuresFromIcs(
          'BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:2026XX25\nSUMMARY:Bad\nEND:VEVENT\nEND:VCALENDAR',
          {
            now: NOW,
            field: 'url',
          },
        ),
      ),
    ).to.match(/^url: event 1 \("Bad"\) has no valid DTSTART/);
    expect(refusal(() => closuresFromIcs('BEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT', { now: NOW }))).to.match(
      /^file: not an iCalendar file/,
    );
  });

  it('checks calendar URLs: http(s) only, and no loopback or private address in production', () => {
    expect(refusal(() => checkIcsUrl('ftp://example.edu/cal.ics', false))).to.equal(
      'url: must be an http:// or https:// URL',
    );
    expect(refusal(() => checkIcsUrl('file:///etc/passwd', false))).to.equal(
      'url: must be an http:// or https:// URL',
    );
    expect(refusal(() => checkIcsUrl('http://127.0.0.1:8080/cal.ics', false))).to.match(
      /loopback or private/,
    );
    expect(refusal(() => checkIcsUrl('http://[::1]/cal.ics', false))).to.match(/loopback or private/);
    expect(refusal(() => checkIcsUrl('http://10.1.2.3/cal.ics', false))).to.match(/loopback or private/);
    expect(refusal(() => checkIcsUrl('http://localhost/cal.ics', false))).to.match(/private network/);
    expect(checkIcsUrl('webcal://calendar.example.edu/closures.ics', false).toString()).to.equal(
      'https://calendar.example.edu/closures.ics',
    );
    expect(checkIcsUrl('http://127.0.0.1:8080/cal.ics', true).hostname).to.equal('127.0.0.1');
    expect(isPublicAddress('8.8.8.8')).to.equal(true);
    expect(isPublicAddress('192.168.1.10')).to.equal(false);
    expect(isPublicAddress('::ffff:127.0.0.1')).to.equal(false);
    expect(isPublicAddress('169.254.169.254')).to.equal(false);
    // Other spellings of loopback are normalised by the URL parser before the check.
    expect(refusal(() => checkIcsUrl('http://127.1/cal.ics', false))).to.match(/loopback or private/);
    expect(refusal(() => checkIcsUrl('http://2130706433/cal.ics', false))).to.match(/loopback or private/);
  });

  it('refuses, when connecting, a host name that resolves to a private address', async () => {
    const code = await new Promise<string | undefined>((resolve) =>
      publicOnlyLookup()('localhost', { all: true }, (error) =>
        resolve((error as { code?: string } | null)?.code),
      ),
    );
    expect(code).to.equal('EPRIVATE');
  });
});
