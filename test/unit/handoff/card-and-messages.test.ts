import { expect } from 'chai';
import { buildHandoffCard, type HandoffCardInput, pickQuestion } from '../../../src/handoff/handoff-card.js';
import {
  describeDuration,
  handoffAnnouncement,
  handoffLocale,
  handoffText,
} from '../../../src/handoff/handoff-messages.catalog.js';

const input: HandoffCardInput = {
  learnerMessages: ['How do I reset attempts for a student on the midterm?', 'Can I talk to a human?'],
  botAnswer: {
    text: 'You can reset attempts from the staff debug info…',
    citations: [{ index: 1, title: 'Manage learner grades', path: 'manage-learner-grades-part-1.md' }],
    confidence: 0.42,
  },
  reasons: [{ code: 'human_request', via: 'message', phrase: 'talk to a human' }, { code: 'out_of_hours' }],
  mode: 'async',
  priority: 'high',
  category: 'Grades',
  user: { userId: 'u1', role: 'instructor', name: 'Ana Ruiz', email: 'ana@example.edu' },
  course: { courseId: 'c1', title: 'Biology 101', label: 'BIO101' },
  lms: { productFamily: 'canvas', locale: 'es' },
  replyByText: 'Monday 11:00, New York time',
  now: new Date('2026-03-07T12:00:00Z'),
};

describe('handoff card', () => {
  it('picks the real question, not the request for a person', () => {
    expect(pickQuestion(input.learnerMessages)).to.equal(
      'How do I reset attempts for a student on the midterm?',
    );
    expect(pickQuestion(['talk to a human'])).to.equal('talk to a human');
    expect(pickQuestion([])).to.equal('');
  });

  it('stores question, bot answer with sources and confidence, reasons, user, course, LMS', async () => {
    const card = await buildHandoffCard(input);
    expect(card.question).to.equal('How do I reset attempts for a student on the midterm?');
    expect(card.botAnswer?.citations[0]?.title).to.equal('Manage learner grades');
    expect(card.botAnswer?.confidence).to.equal(0.42);
    expect(card.reasons.map((r) => r.code)).to.deep.equal(['human_request', 'out_of_hours']);
    expect(card.user).to.deep.include({ name: 'Ana Ruiz', role: 'instructor' });
    expect(card.course?.label).to.equal('BIO101');
    expect(card.lms.productFamily).to.equal('canvas');
    expect(card.createdAt.toISOString()).to.equal('2026-03-07T12:00:00.000Z');
  });

  it('writes a 2–4 line extractive summary an admin reads in seconds', async () => {
    const card = await buildHandoffCard(input);
    expect(card.summarySource).to.equal('extractive');
    expect(card.summary.length).to.be.within(2, 4);
    expect(card.summary[0]).to.equal(
      'Ana Ruiz (instructor, BIO101 on canvas) asks: "How do I reset attempts for a student on the midterm?"',
    );
    expect(card.summary[1]).to.equal('Bot answered from "Manage learner grades" (confidence 42%).');
    expect(card.summary[2]).to.match(
      /^Escalated: asked for a person \("talk to a human"\)\. Priority high, Grades\.$/,
    );
    expect(card.summary[3]).to.contain('Monday 11:00, New York time');
  });

  it('says when the bot had nothing', async () => {
    const card = await buildHandoffCard({ ...input, botAnswer: undefined, mode: 'live' });
    expect(card.summary).to.have.length(3);
    expect(card.summary[1]).to.equal('Bot had not answered yet.');
  });

  it('uses an injected model summariser, falling back to extractive when it fails or misbehaves', async () => {
    const model = await buildHandoffCard(input, () => ['Instructor needs attempts reset.', 'Out of hours.']);
    expect(model).to.include({ summarySource: 'model' });
    const failing = await buildHandoffCard(input, () => {
      throw new Error('model down');
    });
    expect(failing.summarySource).to.equal('extractive');
    const tooLong = await buildHandoffCard(input, () => ['1', '2', '3', '4', '5']);
    expect(tooLong.summarySource).to.equal('extractive');
  });
});

describe('handoff messages', () => {
  it('resolves locales', () => {
    expect(handoffLocale('es-MX')).to.equal('es');
    expect(handoffLocale('fr')).to.equal('en');
    expect(handoffLocale(undefined)).to.equal('en');
  });

  it('in hours: the usual wait', () => {
    const text = handoffAnnouncement({
      mode: 'live',
      outOfHours: false,
      replyByText: 'today at 11:00, New York time',
      targetMinutes: 60,
      sameStretch: true,
    });
    expect(text).to.equal(
      "I've asked our support team to join; someone usually replies within an hour. You can add any details here in the meantime.",
    );
  });

  it('in hours but crossing closing time: a reply-by time instead of a duration', () => {
    const text = handoffAnnouncement({
      mode: 'live',
      outOfHours: false,
      replyByText: 'tomorrow at 9:30, New York time',
      targetMinutes: 60,
      sameStretch: false,
    });
    expect(text).to.contain('Someone will reply by tomorrow at 9:30, New York time.');
  });

  it('out of hours: honest reply-by, email confirmation, invitation to add details', () => {
    const text = handoffAnnouncement({
      mode: 'async',
      outOfHours: true,
      replyByText: 'Monday 11:00, New York time',
      targetMinutes: 240,
      sameStretch: false,
      email: 'ana@example.edu',
    });
    expect(text).to.equal(
      'Our team is offline now. An admin will reply by Monday 11:00, New York time. Is ana@example.edu the best address to reach you? Add any details here — everything stays in this thread.',
    );
  });

  it('out of hours in Spanish', () => {
    const text = handoffAnnouncement({
      locale: 'es',
      mode: 'async',
      outOfHours: true,
      replyByText: 'el lunes a las 11:00, hora de Nueva York',
      targetMinutes: 240,
      sameStretch: false,
      email: 'ana@example.edu',
    });
    expect(text).to.contain(
      'Un administrador responderá a más tardar el lunes a las 11:00, hora de Nueva York.',
    );
    expect(text).to.contain('¿Es ana@example.edu la mejor dirección para contactarte?');
  });

  it('without an email from the launch it does not ask about one', () => {
    const text = handoffAnnouncement({
      mode: 'async',
      outOfHours: true,
      replyByText: 'Monday 11:00, New York time',
      targetMinutes: 240,
      sameStretch: false,
    });
    expect(text).to.equal(
      'Our team is offline now. An admin will reply by Monday 11:00, New York time. Add any details here — everything stays in this thread, and you will see the reply here.',
    );
  });

  it('the low-confidence offer, in both languages', () => {
    expect(handoffText('lowConfidenceOffer', 'en')).to.equal(
      "I'm not sure about this one — would you like me to bring in a person?",
    );
    expect(handoffText('lowConfidenceOffer', 'es')).to.match(/persona/);
  });

  it('durations read naturally', () => {
    expect(describeDuration(15)).to.equal('15 minutes');
    expect(describeDuration(60)).to.equal('an hour');
    expect(describeDuration(240)).to.equal('4 hours');
    expect(describeDuration(480, 'es')).to.equal('un día hábil');
  });
});
