import { expect } from 'chai';
import type { AnyDomainEvent } from '../../../src/events/catalog.js';
import { stageLine } from '../../../src/sla/clock-fire.js';
import { raised } from '../../../src/sla/escalation.js';
import { reactionTo } from '../../../src/sla/sla.listener.js';
import { slaKeys, timerJobId } from '../../../src/sla/timer-scheduler.js';

const base = {
  seq: 42,
  tenantId: 't1',
  conversationId: 'c1',
  visibility: 'public' as const,
  actor: { role: 'system' as const },
  at: '2026-03-04T15:00:00.000Z',
};
const message = (author: string, extra: Record<string, unknown> = {}) =>
  ({
    ...base,
    name: 'message.posted',
    payload: {
      message: {
        id: 'm1',
        conversationId: 'c1',
        clientId: 'x',
        author,
        kind: 'message',
        text: 'hi',
        citations: [],
        internal: false,
        createdAt: '2026-03-04T15:00:01.000Z',
        ...extra,
      },
    },
  }) as unknown as AnyDomainEvent;

describe('SLA timer jobs', () => {
  it('one deterministic job id per (thread, target, cycle, stage) and per escalation step, without ":"', () => {
    const at = new Date();
    expect(
      timerJobId('c1', { kind: 'fire', target: 'first_response', cycle: 2, stage: 'warning', at }),
    ).to.equal('sla-c1-first_response-2-warning');
    expect(
      timerJobId('c1', { kind: 'escalate', target: 'resolution', cycle: 1, step: 3, action: 'unassign', at }),
    ).to.equal('sla-c1-resolution-1-esc-3');
    // The timers' own Redis keys stay out of the BullMQ queue's namespace (`<prefix>:sla:…`).
    for (const key of Object.values(slaKeys('p'))) expect(key.startsWith('p:sla:')).to.equal(false);
  });

  it('reacts to the events that change clocks, with what the clocks need, and to nothing else', () => {
    const handedOff = reactionTo({
      ...base,
      name: 'conversation.handed_off',
      payload: {
        from: 'bot',
        to: 'waiting',
        action: 'handoff',
        version: 1,
        priority: 'high',
        replyBy: '2026-03-04T16:00:00.000Z',
        mode: 'live',
        reasons: [
          { code: 'keyword_rule', ruleId: 'r1', category: 'Access', priority: 'high', matched: 'locked out' },
          { code: 'human_request', via: 'button' },
        ],
        notify: [],
        summary: [],
      },
    } as AnyDomainEvent);
    expect(handedOff).to.deep.include({
      event: 'conversation.handed_off',
      seq: 42,
      replyBy: '2026-03-04T16:00:00.000Z',
      keywordRuleIds: ['r1'],
    });
    expect(reactionTo(message('learner'))).to.deep.include({
      author: 'learner',
      at: '2026-03-04T15:00:01.000Z',
    });
    expect(reactionTo(message('admin'))).to.deep.include({ author: 'staff' });
    // Internal notes, status lines, bot answers and SLA events never move a clock.
    expect(reactionTo(message('admin', { internal: true, kind: 'note' }))).to.equal(null);
    expect(reactionTo(message('system', { kind: 'event' }))).to.equal(null);
    expect(reactionTo(message('bot'))).to.equal(null);
    expect(reactionTo({ ...base, name: 'sla.breached', payload: {} } as unknown as AnyDomainEvent)).to.equal(
      null,
    );
    for (const name of [
      'conversation.resolved',
      'conversation.reopened',
      'conversation.handed_back',
      'conversation.triaged',
    ])
      expect(reactionTo({ ...base, name, payload: {} } as unknown as AnyDomainEvent)?.event).to.equal(name);
  });

  it('words the staff-only lines with the due time in the tenant zone, and says when a step was late', () => {
    const dueAt = new Date('2026-03-04T16:00:00Z');
    expect(
      stageLine({
        target: 'first_response',
        stage: 'breach',
        stageAt: dueAt,
        dueAt,
        firedAt: dueAt,
        late: false,
        timeZone: 'America/New_York',
      }),
    ).to.equal('First response target breached (due today at 11:00, New York time).');
    expect(
      stageLine({
        target: 'resolution',
        stage: 'breach',
        stageAt: dueAt,
        dueAt,
        firedAt: new Date(dueAt.getTime() + 30 * 60_000),
        late: true,
        timeZone: 'America/New_York',
      }),
    ).to.match(
      /^Resolution target breached \(due today at 11:00, New York time\)\. Recorded late, about 30 min/,
    );
    expect(raised('normal')).to.equal('high');
    expect(raised('urgent')).to.equal('urgent');
  });
});
