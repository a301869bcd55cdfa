import { expect } from 'chai';
import { Types } from 'mongoose';
import type { Message } from '../../../src/conversations/message.model.js';
import type { AnyDomainEvent } from '../../../src/events/catalog.js';
import { findMisses, type ThreadItem } from '../../../src/knowledge/labelled-miss.decision.js';
import { missJobId, missJobOf } from '../../../src/knowledge/labelled-miss.jobs.js';
import type { LabelledMiss } from '../../../src/knowledge/labelled-miss.model.js';
import { threadItems } from '../../../src/knowledge/labelled-miss.record.js';
import { evalQuestionOf } from '../../../src/knowledge/labelled-miss.review.js';

const answer = (id: string, feedback?: 'up' | 'down'): ThreadItem => ({ kind: 'answer', id, feedback });
const learner: ThreadItem = { kind: 'learner' };
const offer: ThreadItem = { kind: 'offer' };
const handoff = (humanRequest?: 'button' | 'message'): ThreadItem =>
  humanRequest ? { kind: 'handoff', humanRequest } : { kind: 'handoff' };
const back: ThreadItem = { kind: 'back_to_bot' };

describe('labelled misses: which thumbs-down and handoff sequences make a miss', () => {
  it('a thumbs-down followed by a handoff (any reason) is a miss of that answer', () => {
    const items = [learner, answer('a1', 'down'), learner, handoff()];
    expect(findMisses({ trigger: 'handoff', status: 'waiting', items })).to.deep.equal([
      { answerId: 'a1', signal: 'thumbs_down' },
    ]);
  });

  it('without a handoff, a thumbs-down is no miss (yet); a thumbs-up before a handoff is none either', () => {
    expect(
      findMisses({
        trigger: 'rating',
        status: 'bot',
        items: [learner, answer('a1', 'down')],
        ratedAnswerId: 'a1',
      }),
    ).to.deep.equal([]);
    expect(
      findMisses({
        trigger: 'handoff',
        status: 'waiting',
        items: [learner, answer('a1', 'up'), learner, handoff()],
      }),
    ).to.deep.equal([]);
  });

  it('a thumbs-down after the handoff counts while people still have the thread, not once it went back', () => {
    const items = [learner, answer('a1', 'down'), handoff()];
    for (const status of ['waiting', 'assigned'] as const)
      expect(findMisses({ trigger: 'rating', status, items, ratedAnswerId: 'a1' })).to.deep.equal([
        { answerId: 'a1', signal: 'thumbs_down' },
      ]);
    expect(findMisses({ trigger: 'rating', status: 'resolved', items, ratedAnswerId: 'a1' })).to.deep.equal(
      [],
    );
    expect(
      findMisses({ trigger: 'rating', status: 'bot', items: [...items, back], ratedAnswerId: 'a1' }),
    ).to.deep.equal([]);
  });

  it('answers from before an earlier people stretch do not count for a later handoff', () => {
    const items = [
      learner,
      answer('old', 'down'),
      handoff(),
      back,
      learner,
      answer('new', 'down'),
      handoff(),
    ];
    expect(findMisses({ trigger: 'handoff', status: 'waiting', items })).to.deep.equal([
      { answerId: 'new', signal: 'thumbs_down' },
    ]);
    // Rating the old answer now, with the thread with people again, makes no miss of it.
    expect(findMisses({ trigger: 'rating', status: 'waiting', items, ratedAnswerId: 'old' })).to.deep.equal(
      [],
    );
  });

  it('"Talk to a person" right after an answer counts like a thumbs-down, past the offer line', () => {
    expect(
      findMisses({
        trigger: 'handoff',
        status: 'waiting',
        items: [learner, answer('a1'), handoff('button')],
      }),
    ).to.deep.equal([{ answerId: 'a1', signal: 'asked_for_person' }]);
    expect(
      findMisses({
        trigger: 'handoff',
        status: 'waiting',
        items: [learner, answer('a1'), offer, handoff('button')],
      }),
    ).to.deep.equal([{ answerId: 'a1', signal: 'asked_for_person' }]);
    // Asking in words: the request message sits between the answer and the handoff.
    expect(
      findMisses({
        trigger: 'handoff',
        status: 'waiting',
        items: [learner, answer('a1'), learner, handoff('message')],
      }),
    ).to.deep.equal([{ answerId: 'a1', signal: 'asked_for_person' }]);
  });

  it('asking for a person is no miss when the learner liked the answer or had moved on, or there was none', () => {
    const cases: ThreadItem[][] = [
      [learner, answer('a1', 'up'), handoff('button')],
      // The learner wrote something else after the answer, then pressed the button.
      [learner, answer('a1'), learner, handoff('button')],
      [learner, handoff('message')],
      // A handoff nobody asked for (low confidence) after an unrated answer.
      [learner, answer('a1'), learner, handoff()],
    ];
    for (const items of cases)
      expect(findMisses({ trigger: 'handoff', status: 'waiting', items })).to.deep.equal([]);
  });

  it('an answer both rated down and followed by a request is one miss, recorded as the thumbs-down', () => {
    const items = [learner, answer('a1', 'down'), handoff('button')];
    expect(findMisses({ trigger: 'handoff', status: 'waiting', items })).to.deep.equal([
      { answerId: 'a1', signal: 'thumbs_down' },
    ]);
  });

  it('reads a stored thread: answers, the offer line, the handoff and its request, a hand-back', () => {
    const line = (author: Message['author'], clientId: string, extra: Partial<Message> = {}): Message => ({
      _id: new Types.ObjectId(),
      tenantId: new Types.ObjectId(),
      conversationId: new Types.ObjectId(),
      author,
      kind: 'message',
      text: 'x',
      citations: [],
      clientId,
      internal: false,
      createdAt: new Date(),
      ...extra,
    });
    const a1 = line('bot', 'bot:q1', { feedback: 'down' });
    const a2 = line('bot', 'bot:q2');
    const items = threadItems(
      [
        line('learner', 'q1'),
        a1,
        line('bot', 'handoff:1'),
        line('system', 'sys:claim:2', { kind: 'event' }),
        line('admin', 'n1', { kind: 'note', internal: true }),
        line('system', 'sys:hand_back:3', { kind: 'event' }),
        line('learner', 'q2'),
        a2,
        line('bot', `offer:${a2._id}`),
        line('bot', 'handoff:4'),
      ],
      {
        question: 'q2',
        reasons: [{ code: 'human_request', via: 'button' }],
        mode: 'live',
        user: { userId: 'u', role: 'learner' },
        lms: {},
        summary: [],
        summarySource: 'extractive',
        createdAt: new Date(),
      },
    );
    expect(items).to.deep.equal([
      learner,
      answer(String(a1._id), 'down'),
      handoff(),
      back,
      learner,
      answer(String(a2._id)),
      offer,
      handoff('button'),
    ]);
    expect(findMisses({ trigger: 'handoff', status: 'waiting', items })).to.deep.equal([
      { answerId: String(a2._id), signal: 'asked_for_person' },
    ]);
  });
});

describe('labelled misses: jobs and the evaluation line', () => {
  const event = (name: string, payload: unknown, seq = 7) =>
    ({
      seq,
      tenantId: 't1',
      name,
      conversationId: 'c1',
      visibility: 'staff',
      actor: { role: 'learner' },
      at: new Date().toISOString(),
      payload,
    }) as AnyDomainEvent;

  it('a handoff and a thumbs-down enqueue a job with an id of the event; a thumbs-up or other event none', () => {
    expect(missJobOf(event('conversation.handed_off', { reasons: [] }))).to.deep.equal({
      tenantId: 't1',
      conversationId: 'c1',
      trigger: 'handoff',
    });
    expect(missJobOf(event('answer.rated', { messageId: 'm1', value: 'down' }))).to.deep.equal({
      tenantId: 't1',
      conversationId: 'c1',
      trigger: 'rating',
      messageId: 'm1',
    });
    expect(missJobOf(event('answer.rated', { messageId: 'm1', value: 'up' }))).to.equal(null);
    expect(missJobOf(event('message.posted', {}))).to.equal(null);
    expect(missJobId('t1', 7)).to.equal('miss-t1-7').and.not.include(':');
  });

  it('a labelled miss becomes a line of the eval format: the document file name, or out of scope', () => {
    const base = {
      _id: new Types.ObjectId('6650f0c0a1b2c3d4e5f60718'),
      question: '¿Cómo cambio mi contraseña?',
      askerRole: 'learner',
    } as LabelledMiss;
    expect(
      evalQuestionOf({
        ...base,
        label: 'answerable',
        labelSource: { sourceId: 's', title: 'Sign-in problems', path: 'solving-a-sign-in-problem.md' },
      }),
    ).to.deep.equal({
      id: 'miss-6650f0c0a1b2c3d4e5f60718',
      question: '¿Cómo cambio mi contraseña?',
      kind: 'answerable',
      sources: ['solving-a-sign-in-problem.md'],
      role: 'learner',
    });
    expect(evalQuestionOf({ ...base, label: 'out_of_scope' })).to.deep.equal({
      id: 'miss-6650f0c0a1b2c3d4e5f60718',
      question: '¿Cómo cambio mi contraseña?',
      kind: 'out_of_scope',
      role: 'learner',
    });
    expect(evalQuestionOf({ ...base, label: 'dismissed' })).to.equal(null);
    expect(evalQuestionOf({ ...base, label: null })).to.equal(null);
  });
});
