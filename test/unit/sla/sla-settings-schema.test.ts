import { expect } from 'chai';
import { fieldName, slaSettingsSchema } from '../../../src/sla/sla-settings.schema.js';
import { defaultSlaSettings } from '../../../src/sla/tenant-sla.js';

/** The first problem as the API says it: "field: message". */
function problem(change: (settings: Record<string, unknown>) => void): string {
  const settings = defaultSlaSettings('America/New_York') as unknown as Record<string, unknown>;
  change(settings);
  const result = slaSettingsSchema.safeParse(settings);
  if (result.success) return 'ok';
  const issue = result.error.issues[0];
  return `${fieldName(issue?.path ?? [])}: ${issue?.message}`;
}

/** The first problem of the defaults with these weekly hours. */
const hoursProblem = (weeklyHours: unknown) => problem((s) => (s.weeklyHours = weeklyHours));

describe('SLA settings validation (bad input names the field)', () => {
  it('accepts the defaults', () => {
    expect(problem(() => {})).to.equal('ok');
  });

  it('refuses a calendar with no open hours', () => {
    expect(hoursProblem({})).to.match(/^weeklyHours: the calendar has no open hours/);
    expect(hoursProblem({ mon: [], sat: [] })).to.match(/^weeklyHours: .*no open hours/);
  });

  it('refuses overlapping periods, also an overnight period running into the next day', () => {
    expect(
      hoursProblem({
        mon: [
          { start: '09:00', end: '12:00' },
          { start: '11:00', end: '13:00' },
        ],
      }),
    ).to.equal('weeklyHours.mon[1]: 11:00–13:00 overlaps 09:00–12:00 on Monday');
    expect(
      hoursProblem({
        mon: [{ start: '22:00', end: '02:00' }],
        tue: [{ start: '01:00', end: '09:00' }],
      }),
    ).to.equal('weeklyHours.tue[0]: 01:00–09:00 overlaps 22:00–02:00 on Monday');
    expect(
      hoursProblem({
        sun: [{ start: '23:00', end: '03:00' }],
        mon: [{ start: '02:00', end: '09:00' }],
      }),
    ).to.match(/^weeklyHours\.mon\[0\]: 02:00–09:00 overlaps 23:00–03:00 on Sunday/);
  });

  it('accepts touching periods and a period ending at 24:00', () => {
    expect(
      hoursProblem({
        mon: [
          { start: '09:00', end: '12:00' },
          { start: '12:00', end: '24:00' },
        ],
        tue: [{ start: '00:00', end: '02:00' }],
      }),
    ).to.equal('ok');
  });

  it('refuses malformed times and empty periods', () => {
    expect(hoursProblem({ mon: [{ start: '9am', end: '17:00' }] })).to.match(
      /^weeklyHours\.mon\[0\]\.start: must be a time/,
    );
    expect(hoursProblem({ mon: [{ start: '09:00', end: '09:00' }] })).to.match(
      /^weeklyHours\.mon\[0\]\.end: must differ from the start/,
    );
  });

  it('refuses an unknown time zone', () => {
    expect(problem((s) => (s.timeZone = 'Mars/Olympus'))).to.equal(
      'timeZone: "Mars/Olympus" is not a time zone we know; use an IANA name such as America/New_York',
    );
  });

  it('refuses a closure or academic period that ends before it starts, or a date that does not exist', () => {
    expect(
      problem(
        (s) => (s.closures = [{ name: 'Break', start: '2026-12-24', end: '2026-12-20', source: 'manual' }]),
      ),
    ).to.equal('closures[0].end: is before the start (2026-12-24)');
    expect(problem((s) => (s.closures = [{ name: 'Nope', start: '2026-02-31' }]))).to.equal(
      'closures[0].start: is not a date in the calendar',
    );
    expect(
      problem(
        (s) =>
          (s.academicPeriods = [{ name: 'Exams', start: '2026-12-11', end: '2026-12-07', closed: true }]),
      ),
    ).to.equal('academicPeriods[0].end: is before the start (2026-12-11)');
    expect(problem((s) => (s.closures = [{ name: '', start: '2026-12-24' }]))).to.equal(
      'closures[0].name: is required',
    );
  });

  it('refuses an open academic period without hours, and overlapping periods', () => {
    expect(
      problem(
        (s) =>
          (s.academicPeriods = [{ name: 'Exams', start: '2026-12-07', end: '2026-12-11', closed: false }]),
      ),
    ).to.equal('academicPeriods[0].hours: has no open hours: add a period or mark it closed');
    expect(
      problem(
        (s) =>
          (s.academicPeriods = [
            { name: 'Break', start: '2026-12-19', end: '2027-01-03', closed: true },
            { name: 'Exams', start: '2026-12-07', end: '2026-12-20', closed: true },
          ]),
      ),
    ).to.equal('academicPeriods[0].start: overlaps "Exams" (2026-12-07 to 2026-12-20)');
  });

  it('refuses bad targets, rules naming no policy, rules without conditions, a bad warning share', () => {
    expect(
      problem((s) => {
        const policies = s.policies as { targets: { normal: { first_response: { minutes: number } } } }[];
        if (policies[0]) policies[0].targets.normal.first_response.minutes = 0;
      }),
    ).to.equal('policies[0].targets.normal.first_response.minutes: must be at least 1 minute');
    const rule = (policyId: string, when: Record<string, unknown>) => ({
      id: 'r1',
      name: 'x',
      policyId,
      when,
    });
    expect(problem((s) => (s.rules = [rule('fast', { categories: ['Access'] })]))).to.equal(
      'rules[0].policyId: names no policy ("fast")',
    );
    expect(problem((s) => (s.rules = [rule('default', {})]))).to.match(
      /^rules\[0\]\.when: needs at least one condition/,
    );
    expect(problem((s) => (s.warnShare = 1.5))).to.equal('warnShare: must be at most 0.95 (95 %)');
    expect(problem((s) => (s.defaultPolicyId = 'missing'))).to.equal(
      'defaultPolicyId: names no policy ("missing")',
    );
  });

  it('refuses an escalation whose final step comes before the leads', () => {
    expect(
      problem(
        (s) => (s.escalation = { leadsAfterMinutes: 60, finalAfterMinutes: 30, finalAction: 'unassign' }),
      ),
    ).to.equal('escalation.finalAfterMinutes: must not come before the leads are told (60 minutes)');
    expect(
      problem((s) => (s.escalation = { leadsAfterMinutes: 60, finalAfterMinutes: 30, finalAction: 'none' })),
    ).to.equal('ok');
    expect(
      problem(
        (s) => (s.escalation = { leadsAfterMinutes: null, finalAfterMinutes: 30, finalAction: 'none' }),
      ),
    ).to.equal('escalation.leadsAfterMinutes: must be a number of minutes');
    expect(problem((s) => (s.digest = { enabled: true, everyBusinessMinutes: 5 }))).to.equal(
      'digest.everyBusinessMinutes: must be at least 15 minutes',
    );
  });
});
