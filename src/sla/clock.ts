import type { Priority } from '../conversations/conversation.types.js';
import type { EscalationStep, SlaSnapshot, SlaStage, SlaState, SlaTargetName } from './sla.types.js';
import { SLA_TARGETS } from './sla.types.js';
import type { ChosenPolicy, EscalationSettings, SlaMatch, SlaTarget, TenantSla } from './sla-plan.js';

/**
 * The SLA clocks of one thread as pure data and pure transitions: what a handoff, a staff reply, a learner
 * message, a resolve or a priority change does to them. Storage, locks and BullMQ timers live elsewhere
 * (clock-store.ts, timer-scheduler.ts); everything here is decided from the inputs alone, so it is unit-tested.
 */

/** One run ("cycle") of one clock. */
export interface TargetClock {
  /** Counts runs of this clock on the thread (next response restarts on every learner message after a staff reply). */
  cycle: number;
  state: 'running' | 'paused' | 'met' | 'stopped';
  startedAt: Date;
  target: SlaTarget;
  /**
   * Minutes of the target used before `segmentStart` (time spent before a pause). The due time is always
   * `dueAt(target.minutes - usedMinutes, from segmentStart)`, so a pause, a priority change or a calendar
   * change recomputes it the same way.
   */
  usedMinutes: number;
  segmentStart: Date;
  /** Absent while paused, met or stopped. */
  warnAt?: Date;
  dueAt?: Date;
  pausedAt?: Date;
  metAt?: Date;
  stoppedAt?: Date;
  warnedAt?: Date;
  breachedAt?: Date;
  /** The warning or breach fired after its time (every worker was down). */
  warnLate?: boolean;
  breachLate?: boolean;
  /** Escalation steps done after the breach of this cycle (0 = none yet). */
  escalated: number;
  /** The owner when it breached (the one the final `unassign` step takes it from). */
  breachAssigneeId?: string;
  /** The thread's priority when it breached (the `raise_priority` step raises from it, once). */
  breachPriority?: Priority;
}

/** Everything the clocks of a thread remember. */
export interface ClockState {
  conversationId: string;
  tenantId: string;
  /** True while the thread is with people (handed off, not resolved or handed back). */
  active: boolean;
  policyId?: string;
  policyName?: string;
  priority: Priority;
  match: SlaMatch;
  targets: Partial<Record<SlaTargetName, TargetClock>>;
  /** Newest staff reply and newest learner message seen: max of times, so events applied out of order agree. */
  lastStaffReplyAt?: Date;
  lastLearnerAt?: Date;
  /**
   * When the clocks last started (handoff, reopen) and stopped (resolve, hand back): a start older than the
   * last stop, or a stop older than the last start, arrived out of order and changes nothing.
   */
  startedAt?: Date;
  stoppedAt?: Date;
}

/** What happened to the thread, as the clocks need it. */
export type ClockInput =
  | { kind: 'handoff'; at: Date; match: SlaMatch; promisedDueAt?: Date }
  | { kind: 'staff_reply'; at: Date }
  | { kind: 'learner_message'; at: Date }
  | { kind: 'stop'; at: Date }
  | { kind: 'reopen'; at: Date; match: SlaMatch }
  | { kind: 'retarget'; at: Date; match: SlaMatch };

/** A timer the clocks want: one per (target, cycle, stage) still to fire. */
export interface PlannedTimer {
  target: SlaTargetName;
  cycle: number;
  stage: SlaStage;
  at: Date;
}

// A promised reply-by this close to the computed due time is the same calculation (it ran a moment earlier,
// in the web process): the learner's promise wins so "we'll reply by" and the timer never disagree.
const PROMISE_TOLERANCE_MS = 2 * 60_000;

export function emptyClock(conversationId: string, tenantId: string, match: SlaMatch): ClockState {
  return { conversationId, tenantId, active: false, priority: match.priority, match, targets: {} };
}

const clone = (state: ClockState): ClockState => ({
  ...state,
  match: { ...state.match },
  targets: Object.fromEntries(
    Object.entries(state.targets).map(([name, target]) => [name, { ...target }]),
  ) as ClockState['targets'],
});

/** The due and warning times of a running clock from its segment start (see {@link TargetClock.usedMinutes}). */
function timesOf(clock: TargetClock, sla: TenantSla): { warnAt: Date; dueAt: Date } {
  const left = Math.max(0, clock.target.minutes - clock.usedMinutes);
  const dueAt = sla.dueAt({ ...clock.target, minutes: left }, clock.segmentStart);
  const warnLeft = Math.max(0, clock.target.minutes * sla.warnShare - clock.usedMinutes);
  const warnAt = sla.dueAt({ ...clock.target, minutes: warnLeft }, clock.segmentStart);
  return { warnAt, dueAt };
}

function startClock(
  previous: TargetClock | undefined,
  target: SlaTarget,
  at: Date,
  sla: TenantSla,
): TargetClock {
  const clock: TargetClock = {
    cycle: (previous?.cycle ?? 0) + 1,
    state: 'running',
    startedAt: at,
    target: { ...target },
    usedMinutes: 0,
    segmentStart: at,
    escalated: 0,
  };
  return { ...clock, ...timesOf(clock, sla) };
}

function choose(state: ClockState, match: SlaMatch, sla: TenantSla): ChosenPolicy {
  const policy = sla.choose(match);
  state.policyId = policy.id;
  state.policyName = policy.name;
  state.priority = match.priority;
  state.match = { ...match };
  return policy;
}

function start(state: ClockState, name: SlaTargetName, policy: ChosenPolicy, at: Date, sla: TenantSla) {
  const target = policy.targets[name];
  const previous = state.targets[name];
  if (!target) {
    // The policy sets no such target: whatever ran before stops.
    if (previous && (previous.state === 'running' || previous.state === 'paused'))
      state.targets[name] = stopped(previous, at);
    return;
  }
  state.targets[name] = startClock(previous, target, at, sla);
}

function stopped(clock: TargetClock, at: Date): TargetClock {
  const { warnAt: _w, dueAt: _d, ...rest } = clock;
  return { ...rest, state: 'stopped', stoppedAt: at };
}

function met(clock: TargetClock, at: Date): TargetClock {
  const { warnAt: _w, dueAt: _d, ...rest } = clock;
  return { ...rest, state: 'met', metAt: at };
}

function pause(clock: TargetClock, at: Date, sla: TenantSla): TargetClock {
  if (clock.state !== 'running' || !clock.dueAt) return clock;
  const remaining = Math.max(
    0,
    Math.min(clock.target.minutes, sla.remainingMinutes(clock.target, at, clock.dueAt)),
  );
  const { warnAt: _w, dueAt: _d, ...rest } = clock;
  return { ...rest, state: 'paused', pausedAt: at, usedMinutes: clock.target.minutes - remaining };
}

function resume(clock: TargetClock, at: Date, sla: TenantSla): TargetClock {
  if (clock.state !== 'paused') return clock;
  const { pausedAt: _p, ...rest } = clock;
  const resumed: TargetClock = { ...rest, state: 'running', segmentStart: at };
  return { ...resumed, ...timesOf(resumed, sla) };
}

/** A running or paused clock under a new target (priority or policy changed): used time is kept. */
function retarget(clock: TargetClock, target: SlaTarget, at: Date, sla: TenantSla): TargetClock {
  if (clock.state === 'paused') return { ...clock, target: { ...target } };
  if (clock.state !== 'running') return clock;
  // Time used so far on the old target counts against the new one.
  const before = pause(clock, at, sla);
  const moved: TargetClock = { ...before, state: 'running', target: { ...target }, segmentStart: at };
  delete moved.pausedAt;
  return { ...moved, ...timesOf(moved, sla) };
}

const isLive = (clock?: TargetClock) => clock?.state === 'running' || clock?.state === 'paused';

/** Applies one input to the clocks. Pure: returns a new state; the old one is left as it was. */
export function applyClockInput(current: ClockState, input: ClockInput, sla: TenantSla): ClockState {
  const state = clone(current);
  const { at } = input;
  switch (input.kind) {
    case 'handoff': {
      if (state.stoppedAt && at < state.stoppedAt) return current;
      if (state.startedAt && at <= state.startedAt) return current;
      state.startedAt = at;
      const policy = choose(state, input.match, sla);
      state.active = true;
      for (const name of SLA_TARGETS)
        if (isLive(state.targets[name]))
          state.targets[name] = stopped(state.targets[name] as TargetClock, at);
      start(state, 'first_response', policy, at, sla);
      start(state, 'resolution', policy, at, sla);
      const first = state.targets.first_response;
      // The learner was promised this time by the same calculation a moment earlier: keep the promise.
      if (
        first?.dueAt &&
        input.promisedDueAt &&
        Math.abs(first.dueAt.getTime() - input.promisedDueAt.getTime()) <= PROMISE_TOLERANCE_MS
      ) {
        const shift = input.promisedDueAt.getTime() - first.dueAt.getTime();
        first.dueAt = input.promisedDueAt;
        if (first.warnAt)
          first.warnAt = new Date(Math.min(first.warnAt.getTime() + shift, first.dueAt.getTime()));
      }
      return replayMessages(state, at, sla);
    }
    case 'reopen': {
      if (state.stoppedAt && at < state.stoppedAt) return current;
      if (state.startedAt && at <= state.startedAt) return current;
      state.startedAt = at;
      const policy = choose(state, input.match, sla);
      state.active = true;
      if (isLive(state.targets.first_response))
        state.targets.first_response = stopped(state.targets.first_response as TargetClock, at);
      start(state, 'next_response', policy, at, sla);
      start(state, 'resolution', policy, at, sla);
      return replayMessages(state, at, sla);
    }
    case 'stop': {
      if (state.startedAt && at < state.startedAt) return current;
      if (state.stoppedAt && at <= state.stoppedAt) return current;
      state.stoppedAt = at;
      state.active = false;
      for (const name of SLA_TARGETS)
        if (isLive(state.targets[name]))
          state.targets[name] = stopped(state.targets[name] as TargetClock, at);
      return state;
    }
    case 'staff_reply': {
      if (state.lastStaffReplyAt && at <= state.lastStaffReplyAt) return current;
      state.lastStaffReplyAt = at;
      if (!state.active) return state;
      for (const name of ['first_response', 'next_response'] as const) {
        const clock = state.targets[name];
        if (isLive(clock) && (clock as TargetClock).startedAt <= at)
          state.targets[name] = met(clock as TargetClock, at);
      }
      const learnerSince = state.lastLearnerAt && state.lastLearnerAt > at ? state.lastLearnerAt : undefined;
      if (learnerSince) {
        // A learner message newer than this reply was applied first: it still starts the next response.
        learnerWrote(state, learnerSince, sla);
      } else if (sla.pauseWhileWaitingOnLearner && state.targets.resolution?.state === 'running') {
        state.targets.resolution = pause(state.targets.resolution, at, sla);
      }
      return state;
    }
    case 'learner_message': {
      if (state.lastLearnerAt && at <= state.lastLearnerAt) return current;
      state.lastLearnerAt = at;
      if (!state.active) return state;
      const reply = state.lastStaffReplyAt;
      // Only a reply of this episode (since the last handoff or reopen) makes the learner's message "next".
      if (reply && at > reply && (!state.startedAt || reply >= state.startedAt)) learnerWrote(state, at, sla);
      return state;
    }
    case 'retarget': {
      const policy = choose(state, input.match, sla);
      if (!state.active) return state;
      for (const name of SLA_TARGETS) {
        const clock = state.targets[name];
        if (!isLive(clock)) continue;
        const target = policy.targets[name];
        state.targets[name] = target
          ? retarget(clock as TargetClock, target, at, sla)
          : stopped(clock as TargetClock, at);
      }
      return state;
    }
  }
}

/**
 * Messages applied before the start that precedes them (their jobs ran first) still count: a staff reply
 * after the start meets the first response, a learner message after it restarts the next response.
 */
function replayMessages(state: ClockState, startAt: Date, sla: TenantSla): ClockState {
  const reply = state.lastStaffReplyAt;
  if (!reply || reply < startAt) return state;
  const learner = state.lastLearnerAt;
  let replayed: ClockState = { ...state, lastStaffReplyAt: undefined };
  if (learner && learner > reply) replayed = { ...replayed, lastLearnerAt: undefined };
  replayed = applyClockInput(replayed, { kind: 'staff_reply', at: reply }, sla);
  if (learner && learner > reply)
    replayed = applyClockInput(replayed, { kind: 'learner_message', at: learner }, sla);
  return replayed;
}

/** The learner wrote after a staff reply: the next response starts (once per message), resolution resumes. */
function learnerWrote(state: ClockState, at: Date, sla: TenantSla) {
  const next = state.targets.next_response;
  const alreadyFor = next && isLive(next) && next.startedAt >= (state.lastStaffReplyAt ?? at);
  if (!alreadyFor) {
    const policy = sla.choose(state.match);
    start(state, 'next_response', policy, at, sla);
  }
  const resolution = state.targets.resolution;
  if (resolution?.state === 'paused') state.targets.resolution = resume(resolution, at, sla);
}

/**
 * Recomputes every running clock's due times with (possibly new) settings: a calendar or policy change.
 * The policy is chosen again for the thread's attributes.
 */
export function retimeClocks(current: ClockState, at: Date, sla: TenantSla): ClockState {
  return applyClockInput(current, { kind: 'retarget', at, match: current.match }, sla);
}

/** The timers the clocks want now: for each running clock its warning (until warned) and breach (until breached). */
export function plannedTimers(state: ClockState): PlannedTimer[] {
  const timers: PlannedTimer[] = [];
  for (const name of SLA_TARGETS) {
    const clock = state.targets[name];
    if (clock?.state !== 'running' || !clock.dueAt) continue;
    if (!clock.warnedAt && !clock.breachedAt && clock.warnAt && clock.warnAt < clock.dueAt)
      timers.push({ target: name, cycle: clock.cycle, stage: 'warning', at: clock.warnAt });
    if (!clock.breachedAt)
      timers.push({ target: name, cycle: clock.cycle, stage: 'breach', at: clock.dueAt });
  }
  return timers;
}

/** The time of a stage of a running clock, if it is still to fire (used to tell a stale job). */
export function pendingStageAt(
  state: ClockState,
  target: SlaTargetName,
  cycle: number,
  stage: SlaStage,
): Date | undefined {
  return plannedTimers(state).find((t) => t.target === target && t.cycle === cycle && t.stage === stage)?.at;
}

/**
 * What the inbox shows: the clock that comes due first among those running (a breached one included), else a
 * paused one, else the most recently ended one.
 */
export function snapshotOf(state: ClockState): SlaSnapshot {
  const base = { policy: state.policyName, priority: state.priority };
  const running = SLA_TARGETS.map((name) => [name, state.targets[name]] as const).filter(
    (entry): entry is readonly [SlaTargetName, TargetClock] => entry[1]?.state === 'running',
  );
  if (running.length) {
    const [name, clock] = running.reduce((a, b) =>
      (b[1].dueAt?.getTime() ?? Infinity) < (a[1].dueAt?.getTime() ?? Infinity) ? b : a,
    );
    const stateName: SlaState = clock.breachedAt ? 'breached' : clock.warnedAt ? 'at_risk' : 'on_track';
    return {
      ...base,
      state: stateName,
      target: name,
      warnAt: clock.warnAt?.toISOString(),
      dueAt: clock.dueAt?.toISOString(),
    };
  }
  const paused = SLA_TARGETS.find((name) => state.targets[name]?.state === 'paused');
  if (paused) return { ...base, state: 'paused', target: paused };
  let last: [SlaTargetName, TargetClock] | undefined;
  for (const name of SLA_TARGETS) {
    const clock = state.targets[name];
    const ended = clock?.metAt ?? clock?.stoppedAt;
    const lastEnded = last?.[1].metAt ?? last?.[1].stoppedAt;
    if (clock && ended && (!lastEnded || ended >= lastEnded)) last = [name, clock];
  }
  if (!last) return { ...base, state: 'stopped' };
  return { ...base, state: last[1].state === 'met' ? 'met' : 'stopped', target: last[0] };
}

/** Whether two states differ in anything timers or the inbox see (to skip writes and events for no-ops). */
export function sameClocks(a: ClockState, b: ClockState): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Records that a stage fired: null when it is not pending any more (met, stopped, moved to another cycle,
 * or already fired), so a second run of the same timer changes nothing.
 */
export function markFired(
  current: ClockState,
  timer: { target: SlaTargetName; cycle: number; stage: SlaStage },
  at: Date,
  late: boolean,
  assigneeId?: string,
): ClockState | null {
  if (!pendingStageAt(current, timer.target, timer.cycle, timer.stage)) return null;
  const state = clone(current);
  const clock = state.targets[timer.target] as TargetClock;
  if (timer.stage === 'warning') {
    clock.warnedAt = at;
    clock.warnLate = late;
  } else {
    clock.breachedAt = at;
    clock.breachLate = late;
    if (assigneeId) clock.breachAssigneeId = assigneeId;
    clock.breachPriority = state.priority;
    // A breach without a warning (a target shorter than the warning's granularity) counts as warned too.
    clock.warnedAt ??= at;
  }
  return state;
}

/**
 * Records an escalation step of a breached clock: null when the clock was met or stopped meanwhile, moved to
 * another cycle, or the step is already done.
 */
export function markEscalated(
  current: ClockState,
  target: SlaTargetName,
  cycle: number,
  step: number,
): ClockState | null {
  const clock = current.targets[target];
  if (!clock || clock.cycle !== cycle || clock.state !== 'running' || !clock.breachedAt) return null;
  if (clock.escalated >= step) return null;
  const state = clone(current);
  (state.targets[target] as TargetClock).escalated = step;
  return state;
}

/** An escalation step due for a breached clock. `step` counts from 1 in the order of {@link escalationSteps}. */
export interface EscalationTimer {
  target: SlaTargetName;
  cycle: number;
  step: number;
  action: EscalationStep;
  at: Date;
}

/** The chain after a breach: the owner (or the tenant's channels) at once, the team's leads, then the final action. */
export function escalationSteps(
  settings: EscalationSettings,
): { action: EscalationStep; afterMinutes: number }[] {
  const steps: { action: EscalationStep; afterMinutes: number }[] = [
    { action: 'notify_owner', afterMinutes: 0 },
    { action: 'notify_leads', afterMinutes: Math.max(0, settings.leadsAfterMinutes) },
  ];
  if (settings.finalAction !== 'none')
    steps.push({ action: settings.finalAction, afterMinutes: Math.max(0, settings.finalAfterMinutes) });
  return steps;
}

/** The next escalation step of each breached clock still running (one at a time: each step schedules the next). */
export function plannedEscalations(state: ClockState, settings: EscalationSettings): EscalationTimer[] {
  const steps = escalationSteps(settings);
  const timers: EscalationTimer[] = [];
  for (const name of SLA_TARGETS) {
    const clock = state.targets[name];
    if (clock?.state !== 'running' || !clock.breachedAt || clock.escalated >= steps.length) continue;
    const step = steps[clock.escalated] as (typeof steps)[number];
    timers.push({
      target: name,
      cycle: clock.cycle,
      step: clock.escalated + 1,
      action: step.action,
      at: new Date(clock.breachedAt.getTime() + step.afterMinutes * 60_000),
    });
  }
  return timers;
}

/** The earliest timer still to fire, stages and escalation steps alike (what the sweep watches). */
export function nextDueAt(state: ClockState, settings: EscalationSettings): Date | undefined {
  let next: Date | undefined;
  for (const timer of [...plannedTimers(state), ...plannedEscalations(state, settings)])
    if (!next || timer.at < next) next = timer.at;
  return next;
}
