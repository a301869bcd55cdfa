import { expect } from 'chai';
import type { AnyDomainEvent } from '../../../src/events/catalog.js';
import { attemptIdOf } from '../../../src/notify/deliver.js';
import { isRouted } from '../../../src/notify/notify.listener.js';

const event = (name: string, payload: unknown, actor: AnyDomainEvent['actor'] = { role: 'system' }) =>
  ({
    seq: 1,
    tenantId: 't',
    name,
    conversationId: 'c',
    visibility: 'staff',
    actor,
    at: '',
    payload,
  }) as AnyDomainEvent;

describe('notification routing', () => {
  it('routes handoffs, transfers to someone else, learner messages, rule matches and SLA events only', () => {
    const message = (author: string, internal = false) => ({ message: { author, internal } });
    expect(isRouted(event('conversation.handed_off', {}))).to.equal(true);
    expect(isRouted(event('message.posted', message('learner')))).to.equal(true);
    expect(isRouted(event('message.posted', message('admin')))).to.equal(false);
    expect(isRouted(event('message.posted', message('bot')))).to.equal(false);
    expect(
      isRouted(
        event('conversation.transferred', { assignee: { userId: 'u2' } }, { role: 'admin', userId: 'u1' }),
      ),
    ).to.equal(true);
    expect(
      isRouted(
        event('conversation.transferred', { assignee: { userId: 'u1' } }, { role: 'admin', userId: 'u1' }),
      ),
    ).to.equal(false);
    expect(isRouted(event('conversation.triaged', { notify: [] }))).to.equal(false);
    expect(
      isRouted(event('conversation.triaged', { notify: [{ type: 'email', target: 'a@x.edu' }] })),
    ).to.equal(true);
    for (const name of ['sla.warned', 'sla.breached', 'sla.escalated'])
      expect(isRouted(event(name, {}))).to.equal(true);
    for (const name of ['conversation.claimed', 'conversation.resolved', 'note.added', 'sla.updated'])
      expect(isRouted(event(name, {}))).to.equal(false);
  });

  it('tells the attempt series from the job id (first tries, retries, take-over jobs)', () => {
    expect(attemptIdOf('notify-deliver-dabc')).to.equal(0);
    expect(attemptIdOf('notify-deliver-dabc-retry3')).to.equal(3);
    expect(attemptIdOf('notify-deliver-dabc-hdead0000-0000-0000-0000-000000000001')).to.equal(0);
    expect(attemptIdOf('notify-deliver-dabc-retry2-hdead0000-0000-0000-0000-000000000001')).to.equal(2);
  });
});
