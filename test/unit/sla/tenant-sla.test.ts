import { expect } from 'chai';
import { DateTime } from 'luxon';
import { replyPolicyFromSla } from '../../../src/sla/reply-policy.js';
import {
  BUSINESS_DAY_MINUTES,
  buildTenantSla,
  defaultSlaSettings,
  defaultTenantSla,
} from '../../../src/sla/tenant-sla.js';

const NY = 'America/New_York';
const at = (iso: string, zone = NY) => DateTime.fromISO(iso, { zone }).toJSDate();
const local = (date: Date, zone = NY) =>
  DateTime.fromJSDate(date, { zone }).toFormat("ccc yyyy-MM-dd'T'HH:mm");

describe('tenant SLA (defaults and policy rules)', () => {
  const sla = defaultTenantSla(NY);

  it('has the default targets: urgent 5 calendar minutes, high 1 h, normal 4 h, low 2 business days', () => {
    const first = (priority: 'urgent' | 'high' | 'normal' | 'low') =>
      sla.choose({ priority }).targets.first_response;
    expect(first('urgent')).to.deep.equal({ minutes: 5, clock: 'calendar' });
    expect(first('high')).to.deep.equal({ minutes: 60, clock: 'business' });
    expect(first('normal')).to.deep.equal({ minutes: 240, clock: 'business' });
    expect(first('low')).to.deep.equal({ minutes: 2 * BUSINESS_DAY_MINUTES, clock: 'business' });
    expect(sla.warnShare).to.equal(0.75);
    expect(sla.pauseWhileWaitingOnLearner).to.equal(true);
    expect(sla.digest).to.deep.equal({ enabled: true, everyBusinessMinutes: 120 });
  });

  it('Friday 16:00 + 4 business hours → Monday 12:00 (normal first response)', () => {
    const target = sla.choose({ priority: 'normal' }).targets.first_response;
    if (!target) throw new Error('no target');
    expect(local(sla.dueAt(target, at('2026-03-06T16:00')))).to.equal('Mon 2026-03-09T12:00');
  });

  it('urgent runs around the clock: Saturday 3:00 + 5 minutes → Saturday 3:05', () => {
    const target = sla.choose({ priority: 'urgent' }).targets.first_response;
    if (!target) throw new Error('no target');
    expect(local(sla.dueAt(target, at('2026-03-07T03:00')))).to.equal('Sat 2026-03-07T03:05');
  });

  it('remaining minutes count business time only (for pausing)', () => {
    const target = { minutes: 240, clock: 'business' as const };
    const due = sla.dueAt(target, at('2026-03-06T16:00'));
    expect(sla.remainingMinutes(target, at('2026-03-07T10:00'), due)).to.equal(180);
    expect(sla.remainingMinutes(target, at('2026-03-09T13:00'), due)).to.equal(0);
    const urgent = { minutes: 5, clock: 'calendar' as const };
    expect(sla.remainingMinutes(urgent, at('2026-03-07T03:02'), at('2026-03-07T03:05'))).to.equal(3);
  });

  it('the first matching rule chooses the policy, else the default policy', () => {
    const settings = defaultSlaSettings(NY);
    const fast = structuredClone(settings.policies[0]);
    if (!fast) throw new Error('no policy');
    fast.id = 'access';
    fast.name = 'Access problems';
    fast.targets.normal.first_response = { minutes: 30, clock: 'business' };
    settings.policies.push(fast);
    settings.rules.push({
      id: 'r1',
      name: 'Access or locked-out instructors',
      policyId: 'access',
      when: { priorities: [], categories: ['Access'], roles: [], courseIds: [], keywordRuleIds: [] },
    });
    const tenant = buildTenantSla(settings, 3);
    expect(tenant.version).to.equal(3);
    expect(tenant.choose({ priority: 'normal', category: 'Access' })).to.include({ id: 'access' });
    expect(tenant.choose({ priority: 'normal', category: 'Grades' })).to.include({ id: 'default' });
    expect(tenant.choose({ priority: 'normal' })).to.include({ id: 'default' });
    const policy = replyPolicyFromSla(tenant);
    expect(local(policy.replyBy('normal', at('2026-03-04T10:00'), { category: 'Access' }))).to.equal(
      'Wed 2026-03-04T10:30',
    );
    expect(local(policy.replyBy('normal', at('2026-03-04T10:00')))).to.equal('Wed 2026-03-04T14:00');
  });

  it('falls back to UTC for a zone it does not know', () => {
    expect(defaultTenantSla('Nowhere/Special').calendar.timeZone).to.equal('UTC');
  });
});
