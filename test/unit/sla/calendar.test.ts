import { expect } from 'chai';
import { DateTime } from 'luxon';
import {
  DEFAULT_REPLY_TARGET_MINUTES,
  describeInstant,
  replyTarget,
  WeeklyBusinessCalendar,
  zoneCity,
} from '../../../src/sla/calendar.js';
import { defaultReplyPolicy } from '../../../src/sla/reply-policy.js';

const NY = 'America/New_York';
/** A local wall-clock time in a zone, as an instant. */
const at = (iso: string, zone = NY) => DateTime.fromISO(iso, { zone }).toJSDate();
/** An instant shown as local wall-clock time in a zone. */
const local = (date: Date, zone = NY) =>
  DateTime.fromJSDate(date, { zone }).toFormat("ccc yyyy-MM-dd'T'HH:mm");

describe('business calendar (default Mon–Fri 9:00–17:00)', () => {
  const calendar = new WeeklyBusinessCalendar(NY);

  describe('isOpen', () => {
    it('is open during weekday hours and closed outside them', () => {
      expect(calendar.isOpen(at('2026-03-04T09:00'))).to.equal(true); // Wednesday, opening minute
      expect(calendar.isOpen(at('2026-03-04T12:30'))).to.equal(true);
      expect(calendar.isOpen(at('2026-03-04T16:59'))).to.equal(true);
      expect(calendar.isOpen(at('2026-03-04T08:59'))).to.equal(false);
    });

    it('is closed exactly at 17:00 (the end is exclusive)', () => {
      expect(calendar.isOpen(at('2026-03-04T17:00'))).to.equal(false);
    });

    it('is closed all weekend', () => {
      expect(calendar.isOpen(at('2026-03-07T12:00'))).to.equal(false); // Saturday
      expect(calendar.isOpen(at('2026-03-08T10:00'))).to.equal(false); // Sunday
    });

    it('judges hours in the calendar zone, not the server zone', () => {
      // 14:00 UTC is 9:00 in New York (EST) but 23:00 in Tokyo.
      const instant = new Date('2026-01-14T14:00:00Z');
      expect(new WeeklyBusinessCalendar(NY).isOpen(instant)).to.equal(true);
      expect(new WeeklyBusinessCalendar('Asia/Tokyo').isOpen(instant)).to.equal(false);
      expect(new WeeklyBusinessCalendar('Europe/Madrid').isOpen(instant)).to.equal(true); // 15:00
    });
  });

  describe('nextOpen', () => {
    it('returns the same instant while open', () => {
      const instant = at('2026-03-04T10:15');
      expect(calendar.nextOpen(instant).getTime()).to.equal(instant.getTime());
    });

    it('before opening → 9:00 the same day', () => {
      expect(local(calendar.nextOpen(at('2026-03-04T06:00')))).to.equal('Wed 2026-03-04T09:00');
    });

    it('at or after 17:00 → 9:00 the next weekday', () => {
      expect(local(calendar.nextOpen(at('2026-03-04T17:00')))).to.equal('Thu 2026-03-05T09:00');
      expect(local(calendar.nextOpen(at('2026-03-04T23:59')))).to.equal('Thu 2026-03-05T09:00');
    });

    it('Friday evening and the weekend → Monday 9:00', () => {
      expect(local(calendar.nextOpen(at('2026-03-06T17:30')))).to.equal('Mon 2026-03-09T09:00');
      expect(local(calendar.nextOpen(at('2026-03-07T10:00')))).to.equal('Mon 2026-03-09T09:00');
      expect(local(calendar.nextOpen(at('2026-03-08T23:00')))).to.equal('Mon 2026-03-09T09:00');
    });
  });

  describe('addBusinessMinutes', () => {
    it('Friday 16:30 + 1 hour → Monday 9:30', () => {
      expect(local(calendar.addBusinessMinutes(at('2026-03-06T16:30'), 60))).to.equal('Mon 2026-03-09T09:30');
    });

    it('stays within the day when there is time left', () => {
      expect(local(calendar.addBusinessMinutes(at('2026-03-04T10:00'), 240))).to.equal(
        'Wed 2026-03-04T14:00',
      );
    });

    it('lands exactly on 17:00 when the work fills the day', () => {
      expect(local(calendar.addBusinessMinutes(at('2026-03-04T13:00'), 240))).to.equal(
        'Wed 2026-03-04T17:00',
      );
    });

    it('starting exactly at 17:00 counts from the next opening', () => {
      expect(local(calendar.addBusinessMinutes(at('2026-03-04T17:00'), 15))).to.equal('Thu 2026-03-05T09:15');
    });

    it('starting on a weekend counts from Monday 9:00', () => {
      expect(local(calendar.addBusinessMinutes(at('2026-03-07T11:00'), 120))).to.equal(
        'Mon 2026-03-09T11:00',
      );
    });

    it('spans several days (a full business day is 8 hours)', () => {
      expect(local(calendar.addBusinessMinutes(at('2026-03-05T15:00'), 8 * 60))).to.equal(
        'Fri 2026-03-06T15:00',
      );
      expect(local(calendar.addBusinessMinutes(at('2026-03-06T15:00'), 3 * 8 * 60))).to.equal(
        'Wed 2026-03-11T15:00',
      );
    });

    it('zero minutes means "when we next open"', () => {
      expect(local(calendar.addBusinessMinutes(at('2026-03-07T11:00'), 0))).to.equal('Mon 2026-03-09T09:00');
    });

    it('keeps 9:00 local across the spring-forward weekend (US DST starts 2026-03-08)', () => {
      const result = calendar.addBusinessMinutes(at('2026-03-06T16:30'), 60);
      expect(local(result)).to.equal('Mon 2026-03-09T09:30');
      // Monday 9:30 EDT is 13:30 UTC; the Friday before, 9:30 EST was 14:30 UTC.
      expect(result.toISOString()).to.equal('2026-03-09T13:30:00.000Z');
    });

    it('keeps 9:00 local across the fall-back weekend (US DST ends 2026-11-01)', () => {
      const result = calendar.addBusinessMinutes(at('2026-10-30T16:00'), 120);
      expect(local(result)).to.equal('Mon 2026-11-02T10:00');
      expect(result.toISOString()).to.equal('2026-11-02T15:00:00.000Z');
    });

    it('handles European DST, which changes on a different weekend', () => {
      const madrid = new WeeklyBusinessCalendar('Europe/Madrid');
      const result = madrid.addBusinessMinutes(at('2026-03-27T16:45', 'Europe/Madrid'), 30);
      expect(local(result, 'Europe/Madrid')).to.equal('Mon 2026-03-30T09:15');
      expect(result.toISOString()).to.equal('2026-03-30T07:15:00.000Z');
    });

    it('a Friday in Tokyo can still be Thursday in New York', () => {
      const tokyo = new WeeklyBusinessCalendar('Asia/Tokyo');
      const start = new Date('2026-03-05T23:00:00Z'); // Fri 08:00 Tokyo, Thu 18:00 New York
      expect(local(tokyo.addBusinessMinutes(start, 60), 'Asia/Tokyo')).to.equal('Fri 2026-03-06T10:00');
      expect(local(calendar.addBusinessMinutes(start, 60))).to.equal('Fri 2026-03-06T10:00');
    });

    it('rejects negative minutes', () => {
      expect(() => calendar.addBusinessMinutes(at('2026-03-04T10:00'), -1)).to.throw();
    });
  });

  describe('several periods a day and closed dates (what the SLA work will configure)', () => {
    const split = new WeeklyBusinessCalendar(
      'Europe/Madrid',
      {
        1: [
          { start: 9 * 60, end: 14 * 60 },
          { start: 16 * 60, end: 19 * 60 },
        ],
      },
      ['2026-03-16'],
    );

    it('skips the lunch break', () => {
      const start = at('2026-03-09T13:30', 'Europe/Madrid');
      expect(local(split.addBusinessMinutes(start, 60), 'Europe/Madrid')).to.equal('Mon 2026-03-09T16:30');
      expect(split.isOpen(at('2026-03-09T15:00', 'Europe/Madrid'))).to.equal(false);
    });

    it('skips closed dates (a holiday Monday moves to the following Monday)', () => {
      const start = at('2026-03-09T18:30', 'Europe/Madrid');
      expect(local(split.addBusinessMinutes(start, 60), 'Europe/Madrid')).to.equal('Mon 2026-03-23T09:30');
    });
  });

  it('refuses an unknown time zone or a calendar that is never open', () => {
    expect(() => new WeeklyBusinessCalendar('Mars/Olympus')).to.throw(/time zone/);
    expect(() => new WeeklyBusinessCalendar(NY, {})).to.throw(/open period/);
  });
});

describe('describing a reply-by time', () => {
  const monday11 = at('2026-03-09T11:00');

  it('says weekday, time and city in English', () => {
    expect(describeInstant(monday11, NY, 'en')).to.equal('Monday 11:00, New York time');
  });

  it('says it in Spanish', () => {
    expect(describeInstant(monday11, NY, 'es-MX')).to.equal('el lunes a las 11:00, hora de Nueva York');
    expect(describeInstant(at('2026-03-09T13:00'), NY, 'es')).to.equal(
      'el lunes a las 13:00, hora de Nueva York',
    );
  });

  it('uses today and tomorrow when the current time is known', () => {
    expect(describeInstant(monday11, NY, 'en', at('2026-03-09T09:00'))).to.equal(
      'today at 11:00, New York time',
    );
    expect(describeInstant(monday11, NY, 'en', at('2026-03-08T20:00'))).to.equal(
      'tomorrow at 11:00, New York time',
    );
    expect(describeInstant(monday11, NY, 'es', at('2026-03-08T20:00'))).to.equal(
      'mañana a las 11:00, hora de Nueva York',
    );
    expect(describeInstant(monday11, NY, 'en', at('2026-03-06T18:00'))).to.equal(
      'Monday 11:00, New York time',
    );
  });

  it('adds the date when the time is a week or more away', () => {
    expect(describeInstant(monday11, NY, 'en', at('2026-03-02T10:00'))).to.equal(
      'Monday 9 March 11:00, New York time',
    );
    expect(describeInstant(monday11, NY, 'es', at('2026-03-02T10:00'))).to.equal(
      'el lunes 9 de marzo a las 11:00, hora de Nueva York',
    );
  });

  it('names the city of any zone, and UTC as UTC', () => {
    expect(zoneCity('America/Argentina/Buenos_Aires')).to.equal('Buenos Aires');
    expect(describeInstant(new Date('2026-03-09T11:00:00Z'), 'UTC', 'en')).to.equal('Monday 11:00, UTC time');
    expect(describeInstant(new Date('2026-03-09T11:00:00Z'), 'UTC', 'es')).to.equal(
      'el lunes a las 11:00, hora UTC',
    );
  });
});

describe('reply targets and the default reply policy', () => {
  it('has a target per priority, most urgent shortest', () => {
    expect(replyTarget('urgent')).to.equal(15);
    expect(replyTarget('high')).to.equal(60);
    expect(replyTarget('normal')).to.equal(240);
    expect(replyTarget('low')).to.equal(DEFAULT_REPLY_TARGET_MINUTES.low);
    expect(replyTarget('low')).to.be.greaterThan(replyTarget('normal'));
  });

  it('computes reply-by in business time in the tenant zone', () => {
    const policy = defaultReplyPolicy(NY);
    expect(local(policy.replyBy('high', at('2026-03-06T16:30')))).to.equal('Mon 2026-03-09T09:30');
    expect(local(policy.replyBy('urgent', at('2026-03-04T10:00')))).to.equal('Wed 2026-03-04T10:15');
  });

  it('falls back to UTC for a zone it does not know', () => {
    expect(defaultReplyPolicy('Nowhere/Special').calendar.timeZone).to.equal('UTC');
  });
});
