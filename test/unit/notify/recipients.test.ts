import { expect } from 'chai';
import { buildContent } from '../../../src/notify/content.js';
import type { NotifyChannel } from '../../../src/notify/notify.models.js';
import {
  channelRecipients,
  dedupeRecipients,
  deliveryId,
  resolveTargets,
  splitAddresses,
} from '../../../src/notify/recipients.js';

const channel = (partial: Partial<NotifyChannel>): NotifyChannel => ({
  id: 'c1',
  type: 'email',
  name: 'Team',
  target: 'a@x.edu',
  kinds: ['handoff_new'],
  enabled: true,
  createdAt: new Date(0),
  ...partial,
});

describe('notification recipients', () => {
  const channels = [
    channel({ id: 'mail', target: 'Team@X.edu, b@x.edu; team@x.edu', kinds: ['handoff_new', 'sla_breach'] }),
    channel({
      id: 'slack',
      type: 'slack',
      target: 'https://hooks.slack.com/services/T/B/x',
      kinds: ['handoff_urgent'],
    }),
    channel({
      id: 'hook',
      type: 'webhook',
      target: 'https://hooks.example/h',
      secret: 'whsec_x',
      kinds: ['handoff_new'],
    }),
    channel({
      id: 'off',
      type: 'teams',
      target: 'https://teams.example/w',
      kinds: ['handoff_new'],
      enabled: false,
    }),
  ];

  it('takes the enabled channels that asked for the kind; an email channel is one recipient per address', () => {
    const recipients = channelRecipients(channels, 'handoff_new');
    expect(recipients.map((r) => `${r.type}:${r.target}`)).to.deep.equal([
      'email:team@x.edu',
      'email:b@x.edu',
      'webhook:https://hooks.example/h',
    ]);
    expect(channelRecipients(channels, 'handoff_urgent').map((r) => r.channelId)).to.deep.equal(['slack']);
    expect(channelRecipients(channels, 'digest')).to.deep.equal([]);
  });

  it('resolves user targets to that admin of the tenant, skips unknown users and those without an address', async () => {
    const people: Record<string, { email?: string; name?: string }> = {
      u1: { email: 'Ana@X.edu', name: 'Ana' },
      u2: { name: 'No Mail' },
    };
    const asked: string[] = [];
    const lookup = async (tenantId: string, userId: string) => {
      asked.push(`${tenantId}/${userId}`);
      return people[userId] ?? null;
    };
    const resolved = await resolveTargets(
      't1',
      [
        { type: 'user', target: 'u1' },
        { type: 'user', target: 'u2' },
        { type: 'user', target: 'u3' },
        { type: 'webhook', target: 'https://hooks.example/h' },
        { type: 'email', target: 'x@y.edu, z@y.edu' },
      ],
      channels,
      lookup,
    );
    expect(asked).to.deep.equal(['t1/u1', 't1/u2', 't1/u3']);
    expect(resolved).to.deep.equal([
      { type: 'email', target: 'ana@x.edu', userId: 'u1', label: 'Ana' },
      { type: 'webhook', target: 'https://hooks.example/h', channelId: 'hook', label: 'Team' },
      { type: 'email', target: 'x@y.edu' },
      { type: 'email', target: 'z@y.edu' },
    ]);
  });

  it('keeps one recipient per address, preferring the personal one (it gets the sign-in link)', () => {
    const kept = dedupeRecipients([
      { type: 'email', target: 'ana@x.edu', channelId: 'mail' },
      { type: 'email', target: 'ANA@x.edu', userId: 'u1' },
      { type: 'slack', target: 'https://hooks.slack.com/services/T/B/x' },
      { type: 'slack', target: 'https://hooks.slack.com/services/T/B/x' },
    ]);
    expect(kept).to.deep.equal([
      { type: 'email', target: 'ANA@x.edu', userId: 'u1' },
      { type: 'slack', target: 'https://hooks.slack.com/services/T/B/x' },
    ]);
  });

  it('derives delivery ids from tenant, key and recipient (same request, same id; no ":")', () => {
    const a = deliveryId('t1', 'handoff-c1-2', { type: 'email', target: 'a@x.edu' });
    expect(a).to.match(/^d[0-9a-f]{32}$/);
    expect(deliveryId('t1', 'handoff-c1-2', { type: 'email', target: 'A@x.edu', userId: 'u' })).to.equal(a);
    expect(deliveryId('t1', 'handoff-c1-3', { type: 'email', target: 'a@x.edu' })).not.to.equal(a);
    expect(deliveryId('t2', 'handoff-c1-2', { type: 'email', target: 'a@x.edu' })).not.to.equal(a);
  });

  it('splits address lists', () => {
    expect(splitAddresses(' A@x.edu;b@x.edu ,\n a@x.edu ')).to.deep.equal(['a@x.edu', 'b@x.edu']);
  });

  it('words messages per kind with the thread facts, in the tenant zone', () => {
    const facts = {
      conversationId: 'c1',
      learner: 'Ana',
      course: 'Biology',
      handoff: {
        reasons: [
          { code: 'human_request' as const, via: 'button' as const },
          { code: 'out_of_hours' as const },
        ],
        summary: ['Ana asks about grades'],
        question: 'Where is my grade?',
      },
    };
    const breach = buildContent(
      {
        tenantId: 't',
        kind: 'sla_breach',
        key: 'k',
        details: { target: 'first_response', dueAt: '2026-03-09T17:00:00.000Z' },
      },
      facts,
      'America/New_York',
    );
    expect(breach.title).to.equal('SLA breached (first response): Ana in Biology');
    expect(breach.lines).to.deep.equal(['Was due Mon 9 Mar, 13:00 (America/New_York).']);
    expect(breach.thread?.reason).to.equal('asked for a person (button)');
    const followUp = buildContent(
      {
        tenantId: 't',
        kind: 'learner_followup',
        key: 'k',
        details: { replies: [{ text: 'hi', at: '2026-01-01T00:00:00Z' }] },
      },
      facts,
    );
    expect(followUp.thread).to.equal(undefined);
    expect(followUp.replies).to.have.length(1);
  });
});
