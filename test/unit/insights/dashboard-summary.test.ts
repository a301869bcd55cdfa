import { expect } from 'chai';
import type { AnyDomainEvent } from '../../../src/events/catalog.js';
import { summarise } from '../../../src/insights/dashboard-summary.js';
import { DEFLECTION_QUIET_MS, summariseDay } from '../../../src/insights/day-summary.js';
import { emptyFacts, foldEvent, type ThreadFacts } from '../../../src/insights/thread-facts.js';
import { percentile } from '../../../src/lib/percentile.js';

const T0 = Date.parse('2026-11-02T09:00:00Z');
const MIN = 60_000;
let seq = 0;

/** An event of one thread at T0 + minutes. */
function event(name: string, minutes: number, payload: Record<string, unknown> = {}): AnyDomainEvent {
  return {
    seq: ++seq,
    tenantId: 't',
    name,
    conversationId: 'c1',
    visibility: 'public',
    actor: { role: 'system' },
    at: new Date(T0 + minutes * MIN).toISOString(),
    payload,
  } as unknown as AnyDomainEvent;
}

const message = (author: string, extra: Record<string, unknown> = {}) => ({
  message: { id: `m${seq}`, author, kind: 'message', internal: false, text: 'x', ...extra },
});

function thread(events: AnyDomainEvent[], courseId?: string): ThreadFacts {
  return events.reduce(foldEvent, emptyFacts(T0, courseId));
}

describe('insights: a thread folded from its events', () => {
  it('records the handoff, the first staff reply after it and the resolution, ignoring notes and repeats', () => {
    const events = [
      event('message.posted', 0, message('learner')),
      event('message.posted', 1, message('bot', { confidence: 0.3 })),
      event('conversation.handed_off', 2, {
        reasons: [{ code: 'low_confidence' }, { code: 'out_of_hours' }],
      }),
      event('message.posted', 10, message('admin', { kind: 'note', internal: true })),
      event('conversation.claimed', 20, { assignee: { userId: 'a1', name: 'Ana' } }),
      event('message.posted', 32, message('admin')),
      event('message.posted', 40, message('admin')),
      event('conversation.resolved', 62, {}),
    ];
    const facts = thread(events);
    expect(facts.handoffs).to.equal(1);
    expect(facts.reasons).to.have.members(['low_confidence', 'out_of_hours']);
    expect(facts.firstReplyAt! - facts.handedOffAt!).to.equal(30 * MIN);
    expect(facts.resolvedAt! - facts.handedOffAt!).to.equal(60 * MIN);
    expect(facts.assigneeName).to.equal('Ana');
    // Folding the same events again (a replayed batch) changes nothing.
    expect(events.reduce(foldEvent, facts)).to.equal(facts);
  });

  it('keeps the latest rating of each answer', () => {
    const facts = thread([
      event('answer.rated', 1, { messageId: 'm1', value: 'up' }),
      event('answer.rated', 2, { messageId: 'm1', value: 'down' }),
      event('answer.rated', 3, { messageId: 'm2', value: 'up' }),
    ]);
    expect(facts.ratings).to.deep.equal({ m1: 'down', m2: 'up' });
  });
});

/** One day's threads as the projector stores them (summarised at `madeAt`), for the tenant or a course. */
function dayOf(date: string, threads: ThreadFacts[], madeAt: number, courseId?: string) {
  const summary = summariseDay(threads, madeAt);
  return { date, summary: courseId ? summary.courses[courseId] : summary.all };
}

describe('insights: the dashboard figures', () => {
  const day = '2026-11-02';
  const now = T0 + 3 * DEFLECTION_QUIET_MS;
  const answeredOnly = (lastLearnerMinutes: number, courseId?: string): ThreadFacts => ({
    ...emptyFacts(T0, courseId),
    answers: 1,
    lastLearnerAt: T0 + lastLearnerMinutes * MIN,
  });
  const handedOff = (replyMinutes: number, extra: Partial<ThreadFacts> = {}): ThreadFacts => ({
    ...emptyFacts(T0),
    answers: 1,
    handoffs: 1,
    reasons: ['human_request'],
    handedOffAt: T0,
    firstReplyAt: T0 + replyMinutes * MIN,
    ...extra,
  });

  it('counts handoffs by reason, deflection, and exact response-time percentiles', () => {
    const threads = [
      answeredOnly(0),
      answeredOnly(0),
      handedOff(10, { reasons: ['human_request', 'keyword_rule'] }),
      handedOff(20),
      handedOff(30),
      handedOff(40),
    ];
    const s = summarise([dayOf(day, threads, now)], { from: day, to: day, now });
    expect(s.conversations).to.equal(6);
    expect(s.handedOff).to.equal(4);
    expect(s.handoffRate).to.be.closeTo(4 / 6, 1e-9);
    expect(s.reasons[0]).to.deep.equal({ code: 'human_request', threads: 4, rate: 4 / 6 });
    expect(s.reasons[1]?.code).to.equal('keyword_rule');
    // Two threads the bot closed alone, four answered ones that needed people.
    expect(s.deflection).to.deep.include({ deflected: 2, decided: 6, pending: 0 });
    expect(s.firstResponse).to.deep.equal({ count: 4, p50Ms: 20 * MIN, p90Ms: 40 * MIN });
  });

  it('waits 24 hours before calling a bot-only thread deflected, without the day being summarised again', () => {
    // Summarised an hour after the answer; read before and after its 24 hours.
    const days = [dayOf(day, [answeredOnly(0)], T0 + 60 * MIN)];
    const early = summarise(days, { from: day, to: day, now: T0 + DEFLECTION_QUIET_MS - 1 });
    expect(early.deflection).to.deep.include({ deflected: 0, pending: 1, rate: null });
    const later = summarise(days, { from: day, to: day, now: T0 + DEFLECTION_QUIET_MS });
    expect(later.deflection).to.deep.include({ deflected: 1, pending: 0, rate: 1 });
  });

  it('filters one course, and lists every day of the range for the charts', () => {
    const s = summarise(
      [dayOf(day, [answeredOnly(0, 'c1'), answeredOnly(0, 'c2'), answeredOnly(0, 'c1')], now, 'c1')],
      { from: '2026-11-01', to: '2026-11-03', now },
    );
    expect(s.conversations).to.equal(2);
    expect(s.daily.map((d) => [d.date, d.conversations])).to.deep.equal([
      ['2026-11-01', 0],
      ['2026-11-02', 2],
      ['2026-11-03', 0],
    ]);
  });

  it('gives SLA met rates per team and per admin from the threads whose clocks ended', () => {
    const threads: ThreadFacts[] = [
      handedOff(5, {
        slaTracked: true,
        resolvedAt: T0 + 60 * MIN,
        teamId: 'tA',
        assigneeId: 'a1',
        assigneeName: 'Ana',
      }),
      handedOff(5, { slaTracked: true, slaBreached: true, teamId: 'tA', assigneeId: 'a2' }),
      handedOff(5, { slaTracked: true, teamId: 'tA', assigneeId: 'a1' }),
    ];
    const s = summarise([dayOf(day, threads, now)], { from: day, to: day, now });
    expect(s.slaByTeam).to.deep.equal([{ id: 'tA', met: 1, breached: 1, metRate: 0.5 }]);
    expect(s.slaByAdmin.find((r) => r.id === 'a1')).to.deep.include({ met: 1, breached: 0, name: 'Ana' });
  });

  it('gives exact percentiles over several days', () => {
    const next = '2026-11-03';
    const s = summarise(
      [
        dayOf(day, [handedOff(10), handedOff(50)], now),
        dayOf(next, [handedOff(20), handedOff(30), handedOff(40)], now),
      ],
      { from: day, to: next, now },
    );
    expect(s.firstResponse).to.deep.equal({ count: 5, p50Ms: 30 * MIN, p90Ms: 50 * MIN });
  });

  it('takes nearest-rank percentiles', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).to.equal(9);
    expect(percentile([5], 50)).to.equal(5);
    expect(percentile([], 50)).to.equal(null);
  });
});
