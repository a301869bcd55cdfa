import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { expect } from 'chai';
import type { SlaDisplay } from '../../../public/js/page-globals.js';

// The page's own script, run as the browser runs it (a classic script that sets window.chatrefSla).
function loadDisplay(): SlaDisplay {
  const window = {} as { chatrefSla?: SlaDisplay };
  runInNewContext(readFileSync(new URL('../../../public/js/inbox-sla.js', import.meta.url), 'utf8'), {
    window,
    Intl,
    Date,
    Map,
    Number,
    Math,
    JSON,
    String,
  });
  return window.chatrefSla as SlaDisplay;
}

const sla = loadDisplay();
const NOW = Date.parse('2026-03-02T14:00:00.000Z');
const at = (minutes: number, seconds = 0) => new Date(NOW + minutes * 60_000 + seconds * 1000).toISOString();

describe('inbox SLA wording: time left', () => {
  it('counts whole minutes left, a started minute counting', () => {
    expect(sla.timeLeft(at(32), NOW)).to.equal('32 min left');
    expect(sla.timeLeft(at(31, 1), NOW)).to.equal('32 min left');
    expect(sla.timeLeft(at(0, 20), NOW)).to.equal('1 min left');
  });

  it('uses hours past an hour and days past two days', () => {
    expect(sla.timeLeft(at(60), NOW)).to.equal('1 h left');
    expect(sla.timeLeft(at(125), NOW)).to.equal('2 h 5 min left');
    expect(sla.timeLeft(at(47 * 60 + 59), NOW)).to.equal('47 h 59 min left');
    expect(sla.timeLeft(at(3 * 24 * 60 + 4 * 60 + 30), NOW)).to.equal('3 d 4 h left');
    expect(sla.timeLeft(at(2 * 24 * 60), NOW)).to.equal('2 d left');
  });

  it('says overdue after the due time, and due now at it', () => {
    expect(sla.timeLeft(at(0), NOW)).to.equal('due now');
    expect(sla.timeLeft(at(-5), NOW)).to.equal('overdue 5 min');
    expect(sla.timeLeft(at(0, -10), NOW)).to.equal('overdue 1 min');
    expect(sla.timeLeft(at(-90), NOW)).to.equal('overdue 1 h 30 min');
  });

  it('says nothing without a due time', () => {
    expect(sla.timeLeft(undefined, NOW)).to.equal('');
    expect(sla.timeLeft('not a date', NOW)).to.equal('');
  });
});

describe('inbox SLA wording: state', () => {
  it('names the state in words, with the countdown for running clocks only', () => {
    expect(sla.describe({ state: 'at_risk', dueAt: at(32) }, NOW)).to.deep.equal({
      state: 'at_risk',
      label: 'At risk',
      left: '32 min left',
    });
    expect(sla.describe({ state: 'on_track', dueAt: at(200) }, NOW).label).to.equal('On track');
    expect(sla.describe({ state: 'paused' }, NOW)).to.deep.equal({
      state: 'paused',
      label: 'Paused',
      left: '',
    });
    expect(sla.describe(undefined, NOW).label).to.equal('');
  });

  it('a running clock past its due time reads as breached before the breach event arrives', () => {
    expect(sla.describe({ state: 'at_risk', dueAt: at(-5) }, NOW)).to.deep.equal({
      state: 'breached',
      label: 'Breached',
      left: 'overdue 5 min',
    });
  });
});

describe('inbox reply-by times: the tenant zone, named', () => {
  const newYork = { timeZone: 'America/New_York', name: 'New York time' };

  it('writes the time in the zone whatever zone the browser is in', () => {
    // 14:00 UTC on 2 March 2026 is 09:00 in New York (EST, UTC-5).
    expect(sla.zonedTime(at(0), newYork, NOW)).to.equal('09:00, New York time');
    expect(sla.zonedTime(at(0), { timeZone: 'Europe/Madrid', name: 'Madrid time' }, NOW)).to.equal(
      '15:00, Madrid time',
    );
  });

  it('adds the weekday within the week, the date further out (days as the zone counts them)', () => {
    // 2026-03-03 02:00 UTC is still Monday 2 March, 21:00 in New York: the same day there.
    expect(sla.zonedTime(at(12 * 60), newYork, NOW)).to.equal('21:00, New York time');
    expect(sla.zonedTime(at(24 * 60), newYork, NOW)).to.equal('Tue 09:00, New York time');
    // Ten days on, New York has moved to daylight time (8 March): the same instant of day is 10:00 there.
    expect(sla.zonedTime(at(10 * 24 * 60), newYork, NOW)).to.equal('12 Mar 10:00, New York time');
  });
});
