import { expect } from 'chai';
import {
  applyClockInput,
  type ClockInput,
  type ClockState,
  emptyClock,
  escalationSteps,
  markEscalated,
  markFired,
  nextDueAt,
  plannedEscalations,
  plannedTimers,
  snapshotOf,
} from '../../../src/sla/clock.js';
import type { SlaMatch } from '../../../src/sla/sla-plan.js';
import { testTenantSla } from '../../support/sla.js';

// Targets in minutes of calendar time: normal = first response 60, next response 30, resolution 240.
const sla = testTenantSla({
  targets: {
    normal: { first_response: 60, next_response: 30, resolution: 240 },
    high: { first_response: 20, next_response: 10, resolution: 120 },
    urgent: { first_response: 5, next_response: 5, resolution: 60 },
  },
  warnShare: 0.75,
});
const T0 = new Date('2026-03-04T15:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const normal: SlaMatch = { priority: 'normal', category: 'Access', role: 'learner' };

function run(inputs: ClockInput[], start: ClockState = emptyClock('c1', 't1', normal)) {
  return inputs.reduce((state, input) => applyClockInput(state, input, sla), start);
}
const handoff = (minute = 0, match = normal): ClockInput => ({ kind: 'handoff', at: at(minute), match });
const staff = (minute: number): ClockInput => ({ kind: 'staff_reply', at: at(minute) });
const learner = (minute: number): ClockInput => ({ kind: 'learner_message', at: at(minute) });

describe('SLA clock state machine', () => {
  it('a handoff starts first response and resolution on the chosen policy, with warnings at 75 %', () => {
    const state = run([handoff()]);
    expect(state.active).to.equal(true);
    expect(state.policyName).to.equal('Test normal');
    expect(state.targets.first_response).to.include({ cycle: 1, state: 'running' });
    expect(state.targets.first_response?.dueAt).to.deep.equal(at(60));
    expect(state.targets.first_response?.warnAt).to.deep.equal(at(45));
    expect(state.targets.resolution?.dueAt).to.deep.equal(at(240));
    expect(state.targets.next_response).to.equal(undefined);
    expect(plannedTimers(state).map((t) => `${t.target}-${t.cycle}-${t.stage}`)).to.deep.equal([
      'first_response-1-warning',
      'first_response-1-breach',
      'resolution-1-warning',
      'resolution-1-breach',
    ]);
    expect(snapshotOf(state)).to.include({
      state: 'on_track',
      target: 'first_response',
      policy: 'Test normal',
    });
  });

  it('keeps the reply-by the learner was promised when it is the same calculation', () => {
    const promised = new Date(at(60).getTime() + 1500);
    const state = run([{ kind: 'handoff', at: at(0), match: normal, promisedDueAt: promised }]);
    expect(state.targets.first_response?.dueAt).to.deep.equal(promised);
    // A promise from other targets (settings changed in between) does not override the clock.
    const other = run([{ kind: 'handoff', at: at(0), match: normal, promisedDueAt: at(500) }]);
    expect(other.targets.first_response?.dueAt).to.deep.equal(at(60));
  });

  it('a staff reply meets the first response and pauses resolution while the thread waits on the learner', () => {
    const state = run([handoff(), staff(10)]);
    expect(state.targets.first_response).to.include({ state: 'met' });
    expect(state.targets.first_response?.metAt).to.deep.equal(at(10));
    expect(state.targets.resolution).to.include({ state: 'paused', usedMinutes: 10 });
    expect(state.targets.resolution?.dueAt).to.equal(undefined);
    expect(plannedTimers(state)).to.deep.equal([]);
    expect(snapshotOf(state)).to.include({ state: 'paused', target: 'resolution' });
  });

  it('the learner writing back starts the next response and resumes resolution with the time left', () => {
    const state = run([handoff(), staff(10), learner(100)]);
    expect(state.targets.next_response).to.include({ cycle: 1, state: 'running' });
    expect(state.targets.next_response?.dueAt).to.deep.equal(at(130));
    // 10 of 240 minutes used before the pause: 230 left from minute 100.
    expect(state.targets.resolution).to.include({ state: 'running', usedMinutes: 10 });
    expect(state.targets.resolution?.dueAt).to.deep.equal(at(330));
    expect(snapshotOf(state)).to.include({ state: 'on_track', target: 'next_response' });
  });

  it('the next response restarts (a new cycle) on each learner message after a staff reply, not on every message', () => {
    const state = run([handoff(), staff(10), learner(20), learner(25), staff(30), learner(40)]);
    expect(state.targets.next_response).to.include({ cycle: 2, state: 'running' });
    expect(state.targets.next_response?.startedAt).to.deep.equal(at(40));
    const twice = run([handoff(), staff(10), learner(20), learner(25)]);
    expect(twice.targets.next_response).to.include({ cycle: 1 });
    expect(twice.targets.next_response?.startedAt).to.deep.equal(at(20));
  });

  it('learner messages before any staff reply start nothing', () => {
    const state = run([handoff(), learner(5), learner(7)]);
    expect(state.targets.next_response).to.equal(undefined);
    expect(state.targets.first_response).to.include({ state: 'running' });
  });

  it('without pausing configured, resolution keeps running while the thread waits on the learner', () => {
    const noPause = testTenantSla({
      targets: { normal: { first_response: 60, next_response: 30, resolution: 240 } },
      pauseWhileWaitingOnLearner: false,
    });
    let state = applyClockInput(emptyClock('c1', 't1', normal), handoff(), noPause);
    state = applyClockInput(state, staff(10), noPause);
    expect(state.targets.resolution).to.include({ state: 'running' });
    expect(state.targets.resolution?.dueAt).to.deep.equal(at(240));
  });

  it('resolve stops everything, including a running next response: nothing can breach any more', () => {
    const state = run([handoff(), staff(10), learner(20), { kind: 'stop', at: at(25) }]);
    expect(state.active).to.equal(false);
    for (const name of ['first_response', 'next_response', 'resolution'] as const)
      expect(state.targets[name]?.state, name).to.be.oneOf(['met', 'stopped']);
    expect(state.targets.next_response?.state).to.equal('stopped');
    expect(plannedTimers(state)).to.deep.equal([]);
    expect(nextDueAt(state, sla.escalation)).to.equal(undefined);
    expect(snapshotOf(state).state).to.equal('stopped');
    // A learner message after the resolve (before any reopen) starts nothing.
    expect(run([learner(30)], state).targets.next_response?.state).to.equal('stopped');
  });

  it('reopen starts next response and resolution again (new cycles)', () => {
    const state = run([
      handoff(),
      staff(10),
      { kind: 'stop', at: at(20) },
      { kind: 'reopen', at: at(50), match: normal },
    ]);
    expect(state.active).to.equal(true);
    expect(state.targets.next_response).to.include({ cycle: 1, state: 'running' });
    expect(state.targets.next_response?.dueAt).to.deep.equal(at(80));
    expect(state.targets.resolution).to.include({ cycle: 2, state: 'running', usedMinutes: 0 });
    expect(state.targets.resolution?.dueAt).to.deep.equal(at(290));
    // The learner's message that reopened the thread does not start another cycle.
    expect(run([learner(50.01)], state).targets.next_response?.cycle).to.equal(1);
  });

  it('a priority change re-chooses the policy and moves due times, keeping the time already used', () => {
    const state = run([handoff(), { kind: 'retarget', at: at(10), match: { ...normal, priority: 'high' } }]);
    expect(state.priority).to.equal('high');
    expect(state.policyName).to.equal('Test high');
    // 10 minutes used of the new 20-minute first response: due at minute 20.
    expect(state.targets.first_response?.dueAt).to.deep.equal(at(20));
    expect(state.targets.first_response?.target.minutes).to.equal(20);
    expect(state.targets.resolution?.dueAt).to.deep.equal(at(120));
    // Lowering it moves them later again.
    const lowered = run([{ kind: 'retarget', at: at(12), match: normal }], state);
    expect(lowered.targets.first_response?.dueAt).to.deep.equal(at(60));
  });

  it('a priority change while paused changes the target the resumed clock runs against', () => {
    const state = run([
      handoff(),
      staff(10),
      { kind: 'retarget', at: at(15), match: { ...normal, priority: 'high' } },
      learner(30),
    ]);
    // resolution: 10 of 120 used, resumed at 30.
    expect(state.targets.resolution?.dueAt).to.deep.equal(at(140));
    expect(state.targets.next_response?.dueAt).to.deep.equal(at(40));
  });

  it('events applied out of order end in the same clocks', () => {
    const inOrder = run([handoff(), staff(10), learner(20)]);
    const replyFirst = run([staff(10), handoff(), learner(20)]);
    const learnerFirst = run([handoff(), learner(20), staff(10)]);
    for (const other of [replyFirst, learnerFirst]) {
      expect(other.targets.first_response?.state).to.equal('met');
      expect(other.targets.next_response?.startedAt).to.deep.equal(at(20));
      expect(other.targets.resolution?.state).to.equal(inOrder.targets.resolution?.state);
    }
    // A resolve that arrives after a later reopen was applied changes nothing, and an old handoff after a stop neither.
    const reopened = run([
      handoff(),
      staff(5),
      { kind: 'reopen', at: at(30), match: normal },
      { kind: 'stop', at: at(20) },
    ]);
    expect(reopened.active).to.equal(true);
    const stopped = run([{ kind: 'stop', at: at(20) }, handoff(0)]);
    expect(stopped.active).to.equal(false);
  });

  it('firing marks a stage once: a second run, a met clock or an old cycle finds nothing to do', () => {
    const state = run([handoff()]);
    const warned = markFired(state, { target: 'first_response', cycle: 1, stage: 'warning' }, at(45), false);
    expect(warned?.targets.first_response?.warnedAt).to.deep.equal(at(45));
    expect(snapshotOf(warned as ClockState).state).to.equal('at_risk');
    expect(
      markFired(
        warned as ClockState,
        { target: 'first_response', cycle: 1, stage: 'warning' },
        at(46),
        false,
      ),
    ).to.equal(null);
    const breached = markFired(
      warned as ClockState,
      { target: 'first_response', cycle: 1, stage: 'breach' },
      at(61),
      true,
      'u1',
    );
    expect(breached?.targets.first_response).to.include({
      breachLate: true,
      breachAssigneeId: 'u1',
      breachPriority: 'normal',
    });
    expect(snapshotOf(breached as ClockState)).to.include({ state: 'breached', target: 'first_response' });
    expect(
      markFired(
        run([staff(5)], state),
        { target: 'first_response', cycle: 1, stage: 'breach' },
        at(61),
        false,
      ),
    ).to.equal(null);
    expect(markFired(state, { target: 'first_response', cycle: 2, stage: 'breach' }, at(61), false)).to.equal(
      null,
    );
  });

  it('a breach starts the escalation chain: owner at once, leads and the final action after their minutes', () => {
    expect(escalationSteps(sla.escalation).map((s) => s.action)).to.deep.equal([
      'notify_owner',
      'notify_leads',
      'raise_priority',
    ]);
    expect(escalationSteps({ ...sla.escalation, finalAction: 'none' }).map((s) => s.action)).to.deep.equal([
      'notify_owner',
      'notify_leads',
    ]);
    const breached = markFired(
      run([handoff()]),
      { target: 'first_response', cycle: 1, stage: 'breach' },
      at(60),
      false,
    ) as ClockState;
    const [first] = plannedEscalations(breached, sla.escalation);
    expect(first).to.deep.include({ target: 'first_response', step: 1, action: 'notify_owner', at: at(60) });
    const one = markEscalated(breached, 'first_response', 1, 1) as ClockState;
    expect(plannedEscalations(one, sla.escalation)[0]).to.deep.include({
      step: 2,
      action: 'notify_leads',
      at: at(90),
    });
    expect(markEscalated(one, 'first_response', 1, 1)).to.equal(null);
    const two = markEscalated(one, 'first_response', 1, 2) as ClockState;
    expect(plannedEscalations(two, sla.escalation)[0]).to.deep.include({
      step: 3,
      action: 'raise_priority',
      at: at(180),
    });
    // Met meanwhile: the chain stops.
    const met = run([staff(70)], two);
    expect(plannedEscalations(met, sla.escalation)).to.deep.equal([]);
    expect(markEscalated(met, 'first_response', 1, 3)).to.equal(null);
  });
});
