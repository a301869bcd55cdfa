import { expect } from 'chai';
import { slaOf, viewsOf, withSla } from '../../../src/inbox/index.js';
import { doc } from './index-doc.fixture.js';

const DUE = '2026-03-02T14:00:00.000Z';
const WARN = '2026-03-02T13:00:00.000Z';

describe('inbox SLA views: membership follows the SLA state', () => {
  it('a waiting thread at risk is in At risk (and still Unassigned); breached moves it to Breached', () => {
    const atRisk = withSla(
      doc({}),
      { state: 'at_risk', target: 'first_response', dueAt: DUE, warnAt: WARN },
      5,
    );
    expect(viewsOf(atRisk)).to.include.members(['at_risk', 'unassigned', 'attention', 'open']);
    expect(viewsOf(atRisk)).not.to.include('breached');
    const breached = withSla(atRisk, { state: 'breached', target: 'first_response', dueAt: DUE }, 6);
    expect(viewsOf(breached)).to.include('breached');
    expect(viewsOf(breached)).not.to.include('at_risk');
  });

  it('an owned thread is in Mine and in its SLA view', () => {
    const owned = withSla(doc({ s: 'assigned', a: 'me', pa: 'admin' }), { state: 'breached', dueAt: DUE }, 3);
    expect(viewsOf(owned).sort()).to.deep.equal(['breached', 'mine:me', 'open']);
  });

  it('on track, paused, met and stopped clocks are in neither view', () => {
    for (const state of ['on_track', 'paused', 'met', 'stopped'] as const) {
      const views = viewsOf(withSla(doc({}), { state }, 1));
      expect(views, state).not.to.include.members(['at_risk']);
      expect(views, state).not.to.include('breached');
    }
  });

  it('a resolved thread, or one handed back to the bot, leaves the views whatever its last state', () => {
    const breached = withSla(doc({}), { state: 'breached', dueAt: DUE }, 1);
    expect(viewsOf({ ...breached, s: 'resolved' })).to.deep.equal(['resolved']);
    expect(viewsOf({ ...breached, s: 'bot' })).to.deep.equal(['open']);
  });

  it('an older event never overwrites a newer snapshot; a newer one replaces every SLA field', () => {
    const breached = withSla(doc({}), { state: 'breached', target: 'first_response', dueAt: DUE }, 10);
    expect(withSla(breached, { state: 'at_risk', dueAt: DUE }, 9)).to.equal(breached);
    const met = withSla(breached, { state: 'met', target: 'first_response' }, 11);
    expect(met).to.include({ ss: 'met', st: 'first_response', sq: 11 });
    expect(met.sd).to.equal(undefined);
    expect(viewsOf(met)).not.to.include('breached');
  });

  it('list items carry the snapshot as ISO times; threads without a clock carry none', () => {
    expect(slaOf(doc({}))).to.equal(undefined);
    const item = slaOf(
      withSla(doc({}), { state: 'at_risk', target: 'next_response', dueAt: DUE, warnAt: WARN }, 2),
    );
    expect(item).to.deep.equal({ state: 'at_risk', target: 'next_response', dueAt: DUE, warnAt: WARN });
  });
});
