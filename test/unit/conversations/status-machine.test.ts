import { expect } from 'chai';
import {
  CONVERSATION_STATUSES,
  type ConversationStatus,
} from '../../../src/conversations/conversation.types.js';
import {
  allowedTransitions,
  botAnswersIn,
  canTransition,
  nextStatus,
  type TransitionAction,
} from '../../../src/conversations/status-machine.js';

const ACTIONS: TransitionAction[] = [
  'handoff',
  'claim',
  'transfer',
  'release',
  'hand_back',
  'resolve',
  'reopen',
  'learner_reopen',
];

describe('conversation status machine', () => {
  it('allows exactly the documented moves', () => {
    const moves = allowedTransitions().map((t) => `${t.from} -${t.action}-> ${t.to}`);
    expect(moves).to.have.members([
      'bot -handoff-> waiting',
      'waiting -claim-> assigned',
      'assigned -transfer-> assigned',
      'assigned -release-> waiting',
      'assigned -hand_back-> bot',
      'assigned -resolve-> resolved',
      'resolved -reopen-> waiting',
      'resolved -learner_reopen-> waiting',
    ]);
  });

  it('follows the happy path bot → waiting → assigned → resolved → waiting', () => {
    let status: ConversationStatus = 'bot';
    for (const action of ['handoff', 'claim', 'resolve', 'learner_reopen'] as const) {
      const check = canTransition(status, action);
      expect(check.ok, `${action} from ${status}`).to.equal(true);
      if (check.ok) status = check.to;
    }
    expect(status).to.equal('waiting');
  });

  it('hands back to the bot from assigned', () => {
    expect(canTransition('assigned', 'hand_back', 'bot')).to.deep.equal({ ok: true, to: 'bot' });
  });

  it('refuses every move not in the table, with a reason', () => {
    const allowed = new Set(allowedTransitions().map((t) => `${t.from}:${t.action}`));
    let refused = 0;
    for (const from of CONVERSATION_STATUSES)
      for (const action of ACTIONS) {
        if (allowed.has(`${from}:${action}`)) continue;
        const check = canTransition(from, action);
        expect(check.ok, `${action} from ${from}`).to.equal(false);
        if (!check.ok) expect(check.reason).to.be.a('string').and.not.be.empty;
        expect(nextStatus(from, action)).to.equal(undefined);
        refused++;
      }
    expect(refused).to.equal(CONVERSATION_STATUSES.length * ACTIONS.length - 8);
  });

  it('refuses the specific illegal moves people try', () => {
    expect(canTransition('bot', 'claim').ok).to.equal(false); // nothing handed off yet
    expect(canTransition('bot', 'resolve').ok).to.equal(false);
    expect(canTransition('waiting', 'resolve').ok).to.equal(false); // take over first
    expect(canTransition('assigned', 'claim').ok).to.equal(false); // already owned
    expect(canTransition('resolved', 'claim').ok).to.equal(false);
    expect(canTransition('waiting', 'handoff').ok).to.equal(false);
    expect(canTransition('waiting', 'hand_back').ok).to.equal(false);
  });

  it('explains a refused claim in words an admin understands', () => {
    const check = canTransition('assigned', 'claim');
    expect(check.ok).to.equal(false);
    if (!check.ok) expect(check.reason).to.match(/already owns/);
  });

  it('refuses a move to the wrong target even when the action is allowed from there', () => {
    expect(canTransition('bot', 'handoff', 'assigned').ok).to.equal(false);
    expect(canTransition('assigned', 'resolve', 'waiting').ok).to.equal(false);
  });

  it('lets the bot answer only in bot status', () => {
    expect(CONVERSATION_STATUSES.filter(botAnswersIn)).to.deep.equal(['bot']);
  });
});
