import { expect } from 'chai';
import type { MessageView } from '../../../src/conversations/conversation.views.js';
import type { AnyDomainEvent } from '../../../src/events/catalog.js';
import { gapHitJobId, gapHitJobOf } from '../../../src/insights/gap.jobs.js';
import {
  answerCountsFor,
  citedQaPaths,
  clip,
  groupGaps,
  isGapQuestion,
  learnerQuestionBefore,
  resolvingReply,
} from '../../../src/insights/gap-view.js';

let seq = 0;
function message(fields: Partial<MessageView>): MessageView {
  seq++;
  return {
    id: `m${seq}`,
    conversationId: 'c1',
    clientId: `x-${seq}`,
    author: 'learner',
    kind: 'message',
    text: 'text',
    citations: [],
    internal: false,
    createdAt: new Date(Date.UTC(2026, 11, 1, 10, seq)).toISOString(),
    ...fields,
  };
}

describe('documentation gaps: pure parts', () => {
  it('clips long text at a word boundary with an ellipsis, and leaves short text alone', () => {
    expect(clip('  short answer ', 50)).to.equal('short answer');
    const long = clip('Open the exam settings and choose proctoring for the final exam', 30);
    expect(long).to.equal('Open the exam settings and…');
    expect(long.length).to.be.at.most(31);
  });

  it('counts handed-off and low-confidence questions as gaps, not a thumbs-down alone', () => {
    expect(isGapQuestion(['handoff'])).to.equal(true);
    expect(isGapQuestion(['low_confidence', 'thumbs_down'])).to.equal(true);
    expect(isGapQuestion(['thumbs_down'])).to.equal(false);
  });

  it('groups questions by topic, busiest first, with distinct examples and threads newest first', () => {
    const at = (d: number) => new Date(Date.UTC(2026, 11, d));
    const groups = groupGaps(
      [
        { topicId: 'a', conversationId: 'c1', question: 'Reset my password?', at: at(1) },
        { topicId: 'b', conversationId: 'c2', question: 'Proctor for the final?', at: at(2) },
        { topicId: 'a', conversationId: 'c3', question: 'reset  my password?', at: at(3) },
        { topicId: null, conversationId: 'c4', question: 'Cafeteria on Sunday?', at: at(4) },
        { topicId: null, conversationId: 'c5', question: 'Parking?', at: at(5) },
        { topicId: null, conversationId: 'c6', question: 'Library hours?', at: at(6) },
        { topicId: 'a', conversationId: 'c3', question: 'And the email link?', at: at(4) },
      ],
      { maxExamples: 5 },
    );
    expect(groups.map((g) => [g.topicId, g.count])).to.deep.equal([
      ['a', 3],
      ['b', 1],
      [null, 3],
    ]);
    const a = groups[0];
    // The same question in other case and spacing is one example; the newest wording is shown.
    expect(a?.examples.map((e) => e.question)).to.deep.equal(['And the email link?', 'reset  my password?']);
    expect(a?.threads.map((t) => t.conversationId)).to.deep.equal(['c3', 'c1']);
    expect(groupGaps([], { maxExamples: 3 })).to.deep.equal([]);
  });

  it('finds the last staff reply before the resolution, never a note, a status line or a later reply', () => {
    const messages = [
      message({ author: 'learner', text: 'How do I assign a proctor?' }),
      message({ author: 'admin', text: 'Let me check.' }),
      message({ author: 'admin', kind: 'note', internal: true, text: 'Ask the exams office' }),
      message({ author: 'admin', text: 'Exam settings > Proctoring.' }),
      message({ author: 'system', kind: 'event', text: 'Resolved' }),
      message({ author: 'admin', text: 'Written after resolving' }),
    ];
    const resolvedAt = messages[4]?.createdAt;
    expect(resolvingReply(messages, resolvedAt)?.text).to.equal('Exam settings > Proctoring.');
    expect(resolvingReply(messages.slice(0, 1), resolvedAt)).to.equal(undefined);
    expect(learnerQuestionBefore(messages, messages[3]?.createdAt)?.text).to.equal(
      'How do I assign a proctor?',
    );
  });

  it('reads the Q&A paths a bot answer cites, and nothing from other messages', () => {
    const answer = message({
      author: 'bot',
      clientId: 'bot:c-1',
      citations: [
        { index: 1, title: 'Q', path: 'qa/0123456789abcdef' },
        { index: 2, title: 'Guide', path: 'guides/exams.md' },
        { index: 3, title: 'Q', path: 'qa/0123456789abcdef' },
      ],
    });
    expect(citedQaPaths(answer)).to.deep.equal(['qa/0123456789abcdef']);
    expect(citedQaPaths({ ...answer, author: 'admin' })).to.deep.equal([]);
    expect(citedQaPaths({ ...answer, clientId: 'lead:c-1' })).to.deep.equal([]);
  });

  it('counts an answer for an entry only after the entry was made, from that very source', () => {
    const entry = {
      id: 'src1',
      path: 'qa/abc',
      courseId: 'course1',
      createdAt: new Date('2026-12-01T10:00:00Z'),
    };
    const later = { paths: ['qa/abc'], at: new Date('2026-12-02T10:00:00Z'), courseId: 'course1' };
    expect(answerCountsFor(entry, { ...later, passageSourceIds: ['src1', 'other'] })).to.equal(true);
    // The same question saved in another scope is another source: its answers are not this entry's.
    expect(answerCountsFor(entry, { ...later, passageSourceIds: ['src2'] })).to.equal(false);
    expect(answerCountsFor(entry, { ...later, at: new Date('2026-11-30T10:00:00Z') })).to.equal(false);
    expect(answerCountsFor(entry, { ...later, paths: ['qa/other'] })).to.equal(false);
    // Without the evidence: the entry's scope must be visible where the answer was given.
    expect(answerCountsFor(entry, later)).to.equal(true);
    expect(answerCountsFor(entry, { ...later, courseId: 'course2' })).to.equal(false);
    expect(answerCountsFor({ ...entry, courseId: null }, { ...later, courseId: 'course2' })).to.equal(true);
  });

  it('asks for one count job per stored bot answer citing a Q&A, with an id without colons', () => {
    const answer = message({
      author: 'bot',
      clientId: 'bot:c-2',
      citations: [{ index: 1, title: 'Q', path: 'qa/abc' }],
    });
    const event = {
      seq: 42,
      tenantId: 't1',
      name: 'message.posted',
      conversationId: 'c1',
      courseId: 'k1',
      visibility: 'public',
      actor: { role: 'bot' },
      at: answer.createdAt,
      payload: { message: answer },
    } as AnyDomainEvent;
    expect(gapHitJobOf(event)).to.deep.equal({
      tenantId: 't1',
      conversationId: 'c1',
      messageId: answer.id,
      courseId: 'k1',
      paths: ['qa/abc'],
      at: answer.createdAt,
    });
    expect(gapHitJobId('t1', 42)).to.equal('gap-hit-t1-42').and.not.include(':');
    const plain = { ...event, payload: { message: { ...answer, citations: [] } } } as AnyDomainEvent;
    expect(gapHitJobOf(plain)).to.equal(null);
  });
});
