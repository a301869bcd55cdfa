import { expect } from 'chai';
import { DateTime } from 'luxon';
import { ScheduledBusinessCalendar } from '../../../src/sla/calendar-schedule.js';
import type { SlaSettings } from '../../../src/sla/sla-settings.model.js';
import { buildTenantSla, calendarRules, defaultSlaSettings } from '../../../src/sla/tenant-sla.js';

const NY = 'America/New_York';
const MADRID = 'Europe/Madrid';
const at = (iso: string, zone = NY) => DateTime.fromISO(iso, { zone }).toJSDate();
const local = (date: Date, zone = NY) =>
  DateTime.fromJSDate(date, { zone }).toFormat("ccc yyyy-MM-dd'T'HH:mm");

/** A tenant calendar from settings, as the product builds it (defaults: Mon–Fri 9–17). */
function calendar(zone: string, change: (settings: SlaSettings) => void = () => {}) {
  const settings = defaultSlaSettings(zone);
  change(settings);
  return new ScheduledBusinessCalendar(calendarRules(settings));
}

describe('business-time tables (tenant calendars)', () => {
  describe('the default Mon–Fri 9–17 calendar', () => {
    const ny = calendar(NY);

    const table: [string, number, string][] = [
      ['2026-03-06T16:00', 240, 'Mon 2026-03-09T12:00'], // Friday 16:00 + 4 business hours
      ['2026-03-04T10:00', 60, 'Wed 2026-03-04T11:00'],
      ['2026-03-04T18:30', 30, 'Thu 2026-03-05T09:30'],
      ['2026-03-07T12:00', 480, 'Mon 2026-03-09T17:00'],
      ['2026-03-06T16:00', 960, 'Tue 2026-03-10T16:00'], // low: 2 business days (16 business hours)
    ];
    for (const [start, minutes, expected] of table) {
      it(`${start} + ${minutes} business minutes → ${expected}`, () => {
        expect(local(ny.addBusinessMinutes(at(start), minutes))).to.equal(expected);
      });
    }

    it('counts business minutes between two instants (0 when the end is not later)', () => {
      expect(ny.businessMinutesBetween(at('2026-03-06T16:00'), at('2026-03-09T12:00'))).to.equal(240);
      expect(ny.businessMinutesBetween(at('2026-03-07T08:00'), at('2026-03-08T20:00'))).to.equal(0);
      expect(ny.businessMinutesBetween(at('2026-03-09T12:00'), at('2026-03-06T16:00'))).to.equal(0);
      expect(ny.businessMinutesBetween(at('2026-03-04T10:00'), at('2026-03-04T10:00:30'))).to.equal(0.5);
    });

    it('the normal-priority tenant SLA agrees: Friday 16:00 → Monday 12:00, New York time', () => {
      const sla = buildTenantSla(defaultSlaSettings(NY));
      const target = sla.choose({ priority: 'normal' }).targets.first_response;
      if (!target) throw new Error('no target');
      const due = sla.dueAt(target, at('2026-03-06T16:00'));
      expect(sla.calendar.describe(due, 'en', at('2026-03-06T16:00'))).to.equal(
        'Monday 12:00, New York time',
      );
    });
  });

  describe('DST', () => {
    it('America/New_York spring forward (2026-03-08): Friday 16:00 + 4 h → Monday 12:00 EDT', () => {
      const due = calendar(NY).addBusinessMinutes(at('2026-03-06T16:00'), 240);
      expect(due.toISOString()).to.equal('2026-03-09T16:00:00.000Z');
    });

    it('America/New_York fall back (2026-11-01): Friday 16:00 + 4 h → Monday 12:00 EST', () => {
      const due = calendar(NY).addBusinessMinutes(at('2026-10-30T16:00'), 240);
      expect(local(due)).to.equal('Mon 2026-11-02T12:00');
      expect(due.toISOString()).to.equal('2026-11-02T17:00:00.000Z');
    });

    it('Europe/Madrid spring forward (2026-03-29) and fall back (2026-10-25)', () => {
      const madrid = calendar(MADRID);
      const spring = madrid.addBusinessMinutes(at('2026-03-27T16:00', MADRID), 240);
      expect(local(spring, MADRID)).to.equal('Mon 2026-03-30T12:00');
      expect(spring.toISOString()).to.equal('2026-03-30T10:00:00.000Z');
      const autumn = madrid.addBusinessMinutes(at('2026-10-23T16:00', MADRID), 240);
      expect(local(autumn, MADRID)).to.equal('Mon 2026-10-26T12:00');
      expect(autumn.toISOString()).to.equal('2026-10-26T11:00:00.000Z');
    });

    it('a night period over the change counts real time: 22:00–04:00 is 5 h in spring, 7 h in autumn', () => {
      const nights = (zone: string) =>
        calendar(zone, (s) => {
          s.weeklyHours = { sat: [{ start: '22:00', end: '04:00' }] };
        });
      const ny = nights(NY);
      expect(ny.businessMinutesBetween(at('2026-03-07T21:00'), at('2026-03-08T05:00'))).to.equal(300);
      expect(local(ny.addBusinessMinutes(at('2026-03-07T22:00'), 300))).to.equal('Sun 2026-03-08T04:00');
      expect(ny.businessMinutesBetween(at('2026-10-31T21:00'), at('2026-11-01T05:00'))).to.equal(420);
      const madrid = nights(MADRID);
      expect(
        madrid.businessMinutesBetween(at('2026-03-28T21:00', MADRID), at('2026-03-29T05:00', MADRID)),
      ).to.equal(300);
      expect(
        madrid.businessMinutesBetween(at('2026-10-24T21:00', MADRID), at('2026-10-25T05:00', MADRID)),
      ).to.equal(420);
    });
  });

  describe('holidays and closures', () => {
    const ny = calendar(NY, (s) => {
      s.closures = [
        { name: 'Labor Day', start: '2026-09-07', end: '2026-09-07', source: 'manual' },
        { name: 'Winter break', start: '2026-12-24', end: '2027-01-01', source: 'manual' },
      ];
    });

    it('a Monday holiday moves Friday 16:00 + 4 h to Tuesday 12:00', () => {
      expect(local(ny.addBusinessMinutes(at('2026-09-04T16:00'), 240))).to.equal('Tue 2026-09-08T12:00');
      expect(ny.isOpen(at('2026-09-07T10:00'))).to.equal(false);
      expect(local(ny.nextOpen(at('2026-09-07T10:00')))).to.equal('Tue 2026-09-08T09:00');
    });

    it('a closure range skips every day in it (both ends included)', () => {
      expect(local(ny.addBusinessMinutes(at('2026-12-23T16:00'), 120))).to.equal('Mon 2027-01-04T10:00');
      expect(ny.businessMinutesBetween(at('2026-12-23T16:00'), at('2027-01-04T10:00'))).to.equal(120);
    });
  });

  describe('overnight periods (22:00–02:00 belongs to the day it starts)', () => {
    const nightDesk = calendar(NY, (s) => {
      s.weeklyHours = Object.fromEntries(
        (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((day) => [
          day,
          [{ start: '22:00', end: '02:00' }],
        ]),
      );
      s.closures = [{ name: 'Closed Friday', start: '2026-03-13', end: '2026-03-13', source: 'manual' }];
    });

    it('is open after midnight on the period of the day before', () => {
      expect(nightDesk.isOpen(at('2026-03-07T01:00'))).to.equal(true); // Saturday 01:00: Friday's night
      expect(nightDesk.isOpen(at('2026-03-09T01:00'))).to.equal(false); // Monday 01:00: Sunday has none
      expect(nightDesk.isOpen(at('2026-03-09T02:00'))).to.equal(false); // end exclusive
    });

    it('adds across midnight and on to the next night', () => {
      expect(local(nightDesk.addBusinessMinutes(at('2026-03-09T23:00'), 120))).to.equal(
        'Tue 2026-03-10T01:00',
      );
      expect(local(nightDesk.addBusinessMinutes(at('2026-03-10T01:00'), 120))).to.equal(
        'Tue 2026-03-10T23:00',
      );
      expect(local(nightDesk.nextOpen(at('2026-03-07T03:00')))).to.equal('Mon 2026-03-09T22:00');
    });

    it('a holiday closes the night that starts on it, not the one that ends on it', () => {
      expect(nightDesk.isOpen(at('2026-03-13T01:00'))).to.equal(true); // Thursday's night
      expect(nightDesk.isOpen(at('2026-03-13T23:00'))).to.equal(false);
      expect(nightDesk.isOpen(at('2026-03-14T01:00'))).to.equal(false);
    });

    it('joins a night period with next morning hours into one stretch', () => {
      const both = calendar(NY, (s) => {
        s.weeklyHours = { mon: [{ start: '20:00', end: '00:00' }], tue: [{ start: '00:00', end: '03:00' }] };
      });
      expect(local(both.addBusinessMinutes(at('2026-03-09T23:00'), 90))).to.equal('Tue 2026-03-10T00:30');
      expect(both.businessMinutesBetween(at('2026-03-09T19:00'), at('2026-03-10T04:00'))).to.equal(420);
    });
  });

  describe('academic periods', () => {
    const campus = calendar(NY, (s) => {
      s.academicPeriods = [
        {
          name: 'Exam week',
          start: '2026-12-07',
          end: '2026-12-11',
          closed: false,
          hours: {
            ...Object.fromEntries(
              (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((d) => [
                d,
                [{ start: '08:00', end: '22:00' }],
              ]),
            ),
            sat: [{ start: '10:00', end: '14:00' }],
          },
        },
        { name: 'Term break', start: '2026-12-19', end: '2027-01-03', closed: true, hours: {} },
      ];
    });

    it('an exam week has its own longer hours', () => {
      expect(campus.isOpen(at('2026-12-08T20:00'))).to.equal(true);
      expect(campus.isOpen(at('2026-12-01T20:00'))).to.equal(false);
      // Friday of exam week 20:00 + 4 h: 2 h that evening, then the ordinary Monday from 9:00.
      expect(local(campus.addBusinessMinutes(at('2026-12-11T20:00'), 240))).to.equal('Mon 2026-12-14T11:00');
      // The Saturday before exam week is closed; the one inside it is open 10–14.
      expect(local(campus.addBusinessMinutes(at('2026-12-04T16:00'), 120))).to.equal('Mon 2026-12-07T09:00');
    });

    it('a closed term break is skipped', () => {
      expect(local(campus.addBusinessMinutes(at('2026-12-18T16:00'), 240))).to.equal('Mon 2027-01-04T12:00');
    });
  });

  it('days without hours are skipped (Tuesdays and Thursdays only)', () => {
    const twoDays = calendar(NY, (s) => {
      s.weeklyHours = { tue: [{ start: '10:00', end: '12:00' }], thu: [{ start: '10:00', end: '12:00' }] };
    });
    expect(local(twoDays.addBusinessMinutes(at('2026-03-06T16:00'), 240))).to.equal('Thu 2026-03-12T12:00');
  });

  it('a calendar open around the clock answers at once, counting every minute', () => {
    const always = calendar(NY, (s) => {
      const day = [{ start: '00:00', end: '24:00' }];
      s.weeklyHours = { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day };
    });
    const start = at('2026-03-06T16:00');
    expect(always.isOpen(start)).to.equal(true);
    expect(always.nextOpen(start).getTime()).to.equal(start.getTime());
    // 30 days later, across the spring DST change: real minutes, not wall-clock ones.
    const due = always.addBusinessMinutes(start, 30 * 24 * 60);
    expect(due.getTime() - start.getTime()).to.equal(30 * 24 * 3_600_000);
    expect(always.businessMinutesBetween(start, due)).to.equal(30 * 24 * 60);
  });

  it('several periods a day skip the gap between them', () => {
    const split = calendar(MADRID, (s) => {
      s.weeklyHours = {
        mon: [
          { start: '09:00', end: '14:00' },
          { start: '16:00', end: '19:00' },
        ],
      };
    });
    expect(local(split.addBusinessMinutes(at('2026-03-09T13:30', MADRID), 60), MADRID)).to.equal(
      'Mon 2026-03-09T16:30',
    );
  });
});
