import { expect } from 'chai';
import { Types } from 'mongoose';
import { ConversationModel } from '../../src/conversations/conversation.model.js';
import type { Actor } from '../../src/conversations/conversation.types.js';
import { MessageModel } from '../../src/conversations/message.model.js';
import type { AnyDomainEvent } from '../../src/events/catalog.js';
import { EventModel } from '../../src/events/event.model.js';
import { AppError } from '../../src/lib/errors.js';
import { type DomainHarness, newId, startDomain } from './conversations-support.js';

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('conversations and handoff (FerretDB + Redis)', () => {
  let h: DomainHarness;
  let tenantId: string;
  let courseId: string;
  let learner: Actor;
  let instructor: Actor;
  let admin: Actor;
  let events: AnyDomainEvent[];
  let stopListening: () => void;

  before(async () => {
    h = await startDomain();
  });
  after(async () => {
    await h?.close();
  });

  beforeEach(() => {
    // A fresh tenant per test: nothing leaks between tests, and tenant scoping is exercised throughout.
    tenantId = newId();
    courseId = newId();
    learner = { userId: newId(), role: 'learner', name: 'Lea Learner' };
    instructor = { userId: newId(), role: 'instructor', name: 'Ian Instructor' };
    admin = { userId: newId(), role: 'admin', name: 'Ada Admin' };
    h.clock.set('2026-03-04T15:00:00Z'); // Wednesday 10:00 New York
    h.presence.online = true;
    events = [];
    stopListening = h.bus.onEvent((event) => {
      if (event.tenantId === tenantId) events.push(event);
    });
  });
  afterEach(() => stopListening());

  const open = (actor: Actor = learner) =>
    h.service.openOrContinue({
      tenantId,
      actor,
      courseId,
      email: `${actor.name?.split(' ')[0]?.toLowerCase()}@example.edu`,
      locale: 'en',
      context: { productFamily: 'canvas', courseTitle: 'Biology 101', courseLabel: 'BIO101' },
    });
  let counter = 0;
  const say = (conversationId: string, text: string, actor: Actor = learner, clientId = `c-${++counter}`) =>
    h.service.postLearnerMessage({ tenantId, actor, conversationId, clientId, text });
  const names = () => events.map((e) => e.name);

  describe('threads', () => {
    it('opens one thread per user and course, and continues it with its history', async () => {
      const first = await open();
      expect(first.created).to.equal(true);
      expect(first.conversation).to.include({ status: 'bot', priority: 'normal', locale: 'en' });
      await say(first.conversation.id, 'How do I see my progress?');
      const again = await open();
      expect(again.created).to.equal(false);
      expect(again.conversation.id).to.equal(first.conversation.id);
      expect(again.messages.map((m) => m.text)).to.deep.equal(['How do I see my progress?']);
      expect(names()).to.deep.equal(['conversation.opened', 'message.posted']);
    });

    it('never creates two open threads when several tabs open at once', async () => {
      const results = await Promise.all(Array.from({ length: 8 }, () => open()));
      expect(new Set(results.map((r) => r.conversation.id)).size).to.equal(1);
      expect(results.filter((r) => r.created)).to.have.length(1);
      expect(await ConversationModel.countDocuments({ tenantId })).to.equal(1);
    });

    it('gives instructors a higher default priority', async () => {
      expect((await open(instructor)).conversation.priority).to.equal('high');
    });
  });

  describe('learner messages', () => {
    it('asks the caller for a bot answer in bot status and stores the answer', async () => {
      const { conversation } = await open();
      const posted = await say(conversation.id, 'How do I turn on captions?', learner, 'cap-1');
      expect(posted).to.include({ duplicate: false, botShouldAnswer: true });
      const answer = await h.service.recordBotAnswer({
        tenantId,
        conversationId: conversation.id,
        replyTo: 'cap-1',
        text: 'Select CC in the player.',
        citations: [{ index: 1, title: 'Watching videos', path: 'watching-videos.md', heading: 'Captions' }],
        confidence: 0.8,
      });
      expect(answer.message).to.include({ author: 'bot', confidence: 0.8 });
      expect(answer.message?.citations[0]).to.include({ title: 'Watching videos' });
      expect(answer.conversation).to.include({ status: 'bot', lowConfidenceStreak: 0 });
      // The same answer recorded twice (a retried request) is stored once.
      await h.service.recordBotAnswer({
        tenantId,
        conversationId: conversation.id,
        replyTo: 'cap-1',
        text: 'Select CC in the player.',
        confidence: 0.8,
      });
      expect(await MessageModel.countDocuments({ tenantId, author: 'bot' })).to.equal(1);
    });

    it('is idempotent by client id: a retry returns the first message and stores nothing new', async () => {
      const { conversation } = await open();
      const [a, b, c] = await Promise.all([
        say(conversation.id, 'hello', learner, 'same-id'),
        say(conversation.id, 'hello', learner, 'same-id'),
        say(conversation.id, 'hello', learner, 'same-id'),
      ]);
      expect(new Set([a!.message.id, b!.message.id, c!.message.id]).size).to.equal(1);
      expect([a, b, c].filter((r) => !r!.duplicate)).to.have.length(1);
      expect(await MessageModel.countDocuments({ tenantId })).to.equal(1);
      expect(names().filter((n) => n === 'message.posted')).to.have.length(1);
    });

    it('refuses empty and over-long messages with a friendly message', async () => {
      const { conversation } = await open();
      expect((await rejection(say(conversation.id, '   '))).code).to.equal('bad_request');
      const tooLong = await rejection(say(conversation.id, 'x'.repeat(4001)));
      expect(tooLong.code).to.equal('unprocessable');
      expect(tooLong.message).to.contain('4000 characters');
      expect((await say(conversation.id, 'x'.repeat(4000))).duplicate).to.equal(false);
    });

    it('limits messages per user per minute (retries do not count)', async () => {
      await h.config.updateSettings(tenantId, { messagesPerMinute: 3 });
      const { conversation } = await open();
      for (let i = 0; i < 3; i++) await say(conversation.id, `question ${i}`, learner, `rate-${i}`);
      await say(conversation.id, 'question 0', learner, 'rate-0'); // a retry: not counted, not refused
      const refused = await rejection(say(conversation.id, 'one more'));
      expect(refused.code).to.equal('rate_limited');
      expect(refused.status).to.equal(429);
      expect(refused.message).to.equal(
        "You're sending messages faster than we can keep up. Please wait a moment and try again.",
      );
      expect(refused.details?.retryAfterSeconds).to.be.a('number');
      h.clock.advance(61_000);
      expect((await say(conversation.id, 'after a minute')).duplicate).to.equal(false);
    });

    it("another user's or tenant's thread is not found", async () => {
      const { conversation } = await open();
      const other: Actor = { userId: newId(), role: 'learner' };
      expect((await rejection(say(conversation.id, 'hi', other))).code).to.equal('not_found');
      const foreign = h.service.postLearnerMessage({
        tenantId: newId(),
        actor: learner,
        conversationId: conversation.id,
        clientId: 'x',
        text: 'hi',
      });
      expect((await rejection(foreign)).code).to.equal('not_found');
      const staffElsewhere = h.service.get({
        tenantId: newId(),
        actor: admin,
        conversationId: conversation.id,
      });
      expect((await rejection(staffElsewhere)).code).to.equal('not_found');
      expect(
        (await rejection(h.service.get({ tenantId, actor: admin, conversationId: 'nonsense' }))).code,
      ).to.equal('not_found');
    });
  });

  describe('handoff triggers, each recorded as the reason', () => {
    it('asking for a person in the message', async () => {
      const { conversation } = await open();
      await say(conversation.id, 'How do I reset my exam attempts?');
      const result = await say(conversation.id, 'Please connect me with a real person');
      expect(result.botShouldAnswer).to.equal(false);
      expect(result.conversation.status).to.equal('waiting');
      expect(result.handoff?.reasons).to.deep.equal([
        { code: 'human_request', via: 'message', phrase: 'connect me with a real person' },
      ]);
      expect(result.handoff?.mode).to.equal('live');
      expect(result.handoff?.announcement.text).to.equal(
        "I've asked our support team to join; someone usually replies within 4 hours. You can add any details here in the meantime.",
      );
      // The card: the real question, who, where, why — stored on the thread.
      const card = result.conversation.handoff!;
      expect(card.question).to.equal('How do I reset my exam attempts?');
      expect(card.user).to.deep.include({ name: 'Lea Learner', email: 'lea@example.edu', role: 'learner' });
      expect(card.course).to.deep.include({ title: 'Biology 101', label: 'BIO101' });
      expect(card.lms).to.deep.include({ productFamily: 'canvas', locale: 'en' });
      expect(card.summary.length).to.be.within(2, 4);
      // The transition is an event with who, when and why.
      const handedOff = events.find((e) => e.name === 'conversation.handed_off');
      expect(handedOff?.payload).to.deep.include({
        from: 'bot',
        to: 'waiting',
        action: 'handoff',
        priority: 'normal',
      });
      expect(handedOff?.actor).to.deep.include({ userId: learner.userId, role: 'learner' });
      expect(handedOff?.at).to.be.a('string');
      const stored = await h.store.listSince(tenantId, 0);
      expect(stored.map((e) => e.name)).to.include('conversation.handed_off');
      expect(result.conversation.replyBy).to.equal('2026-03-04T19:00:00.000Z'); // 10:00 + 4 business hours
    });

    it('the "Talk to a person" button', async () => {
      const { conversation } = await open();
      const result = await h.service.requestHandoff({
        tenantId,
        actor: learner,
        conversationId: conversation.id,
      });
      expect(result.alreadyWithPeople).to.equal(false);
      expect(result.handoff?.reasons).to.deep.equal([{ code: 'human_request', via: 'button' }]);
      // Pressing again changes nothing.
      const again = await h.service.requestHandoff({
        tenantId,
        actor: learner,
        conversationId: conversation.id,
      });
      expect(again.alreadyWithPeople).to.equal(true);
      expect(names().filter((n) => n === 'conversation.handed_off')).to.have.length(1);
    });

    it('a keyword rule, with category, priority, notify targets and an urgent rule for instructors', async () => {
      await h.config.createRule(tenantId, {
        name: 'Access problems',
        pattern: "can't access",
        category: 'Access',
        priority: 'high',
        notify: [{ type: 'slack', target: 'https://hooks.slack.test/lms' }],
      });
      await h.config.updateSettings(tenantId, {
        urgentRules: [{ name: 'Instructor locked out', roles: ['instructor'], categories: ['Access'] }],
      });
      const { conversation } = await open(instructor);
      const result = await say(
        conversation.id,
        "I CAN'T ACCESS my course and the live class starts in 5 minutes!",
        instructor,
      );
      expect(result.conversation).to.include({ status: 'waiting', priority: 'urgent', category: 'Access' });
      expect(result.handoff?.reasons).to.deep.equal([
        {
          code: 'keyword_rule',
          ruleId: result.handoff?.reasons[0]?.code === 'keyword_rule' ? result.handoff.reasons[0].ruleId : '',
          ruleName: 'Access problems',
          category: 'Access',
          priority: 'high',
          matched: "can't access",
        },
        { code: 'urgent_rule', ruleName: 'Instructor locked out' },
      ]);
      const handedOff = events.find((e) => e.name === 'conversation.handed_off');
      expect(handedOff?.name === 'conversation.handed_off' && handedOff.payload.notify).to.deep.equal([
        { type: 'slack', target: 'https://hooks.slack.test/lms' },
      ]);
      expect(result.conversation.replyBy).to.equal('2026-03-04T15:15:00.000Z'); // urgent: 15 minutes
      expect(result.handoff?.announcement.text).to.contain('within 15 minutes');
    });

    it('low confidence: a learner after two weak answers in a row (an offer after the first)', async () => {
      const { conversation } = await open();
      await say(conversation.id, 'What is the cafeteria menu?', learner, 'lc-1');
      const first = await h.service.recordBotAnswer({
        tenantId,
        conversationId: conversation.id,
        replyTo: 'lc-1',
        text: 'Maybe…',
        confidence: 0.1,
      });
      expect(first.handoff).to.equal(undefined);
      expect(first.offer?.text).to.equal(
        "I'm not sure about this one — would you like me to bring in a person?",
      );
      expect(first.conversation.lowConfidenceStreak).to.equal(1);
      await say(conversation.id, 'And the gym hours?', learner, 'lc-2');
      const second = await h.service.recordBotAnswer({
        tenantId,
        conversationId: conversation.id,
        replyTo: 'lc-2',
        text: 'Not sure.',
        confidence: 0.05,
      });
      expect(second.conversation.status).to.equal('waiting');
      expect(second.handoff?.reasons).to.deep.equal([
        { code: 'low_confidence', streak: 2, threshold: 2, confidence: 0.05 },
      ]);
      expect(second.conversation.handoff?.botAnswer).to.deep.include({ text: 'Not sure.', confidence: 0.05 });
      expect(events.find((e) => e.name === 'conversation.handed_off')?.actor).to.deep.equal({ role: 'bot' });
    });

    it('low confidence: an instructor after one', async () => {
      const { conversation } = await open(instructor);
      await say(conversation.id, 'Can I bulk-move cohorts?', instructor, 'i-1');
      const answer = await h.service.recordBotAnswer({
        tenantId,
        conversationId: conversation.id,
        replyTo: 'i-1',
        text: 'Not covered.',
        confidence: 0.1,
        notCovered: true,
      });
      expect(answer.handoff?.reasons[0]).to.deep.include({ code: 'low_confidence', streak: 1, threshold: 1 });
    });

    it('schedule: out of hours the handoff is asynchronous with an honest reply-by and email check', async () => {
      h.clock.set('2026-03-07T17:00:00Z'); // Saturday 12:00 New York
      const { conversation } = await open();
      const result = await say(conversation.id, 'I want to talk to a human');
      expect(result.handoff?.mode).to.equal('async');
      expect(result.handoff?.reasons.map((r) => r.code)).to.deep.equal(['human_request', 'out_of_hours']);
      expect(result.handoff?.replyByText).to.equal('Monday 13:00, New York time');
      expect(result.handoff?.announcement.text).to.equal(
        'Our team is offline now. An admin will reply by Monday 13:00, New York time. Is lea@example.edu the best address to reach you? Add any details here — everything stays in this thread.',
      );
      // Asynchronous capture: a different address in the thread is kept for the follow-up.
      const reply = await say(
        conversation.id,
        'Better use lea.personal@example.org please. My exam is on Tuesday.',
      );
      expect(reply.conversation.contactEmail).to.equal('lea.personal@example.org');
      expect(reply.replies.map((m) => m.text)).to.deep.equal([
        "Thanks — we'll follow up at lea.personal@example.org.",
      ]);
      expect(names()).to.include('conversation.contact_updated');
      expect(reply.botShouldAnswer).to.equal(false);
    });

    it('schedule: in hours with nobody watching the inbox it is asynchronous too', async () => {
      h.presence.online = false;
      const { conversation } = await open();
      const result = await h.service.requestHandoff({
        tenantId,
        actor: learner,
        conversationId: conversation.id,
      });
      expect(result.handoff?.reasons.map((r) => r.code)).to.deep.equal(['human_request', 'no_staff_online']);
      expect(result.handoff?.announcement.text).to.contain(
        'An admin will reply by today at 14:00, New York time.',
      );
    });

    it('speaks Spanish to a Spanish launch', async () => {
      h.clock.set('2026-03-07T17:00:00Z');
      const { conversation } = await h.service.openOrContinue({
        tenantId,
        actor: learner,
        courseId,
        email: 'lea@example.edu',
        locale: 'es',
      });
      const result = await say(conversation.id, 'Quiero hablar con una persona');
      expect(result.handoff?.announcement.text).to.contain(
        'a más tardar el lunes a las 13:00, hora de Nueva York',
      );
    });
  });

  describe('people on the thread', () => {
    async function waitingThread() {
      const { conversation } = await open();
      await h.service.requestHandoff({ tenantId, actor: learner, conversationId: conversation.id });
      return conversation.id;
    }

    it('of 20 parallel claims exactly one wins; the others learn who owns it', async () => {
      const id = await waitingThread();
      const admins: Actor[] = Array.from({ length: 20 }, (_, i) => ({
        userId: newId(),
        role: 'admin',
        name: `Admin ${i}`,
      }));
      const results = await Promise.allSettled(
        admins.map((actor) => h.service.claim({ tenantId, actor, conversationId: id })),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).to.have.length(1);
      const owner = (won[0] as PromiseFulfilledResult<{ assigneeName?: string; assigneeId?: string }>).value;
      for (const r of results.filter((r) => r.status === 'rejected')) {
        const error = (r as PromiseRejectedResult).reason as AppError;
        expect(error.code).to.equal('conflict');
        expect(error.message).to.equal(`${owner.assigneeName} already owns this conversation.`);
      }
      expect(names().filter((n) => n === 'conversation.claimed')).to.have.length(1);
      const stored = await ConversationModel.findById(id).lean();
      expect(stored).to.include({ status: 'assigned', version: 2, assigneeName: owner.assigneeName });
    });

    it('a take-over whose thread write fails leaves no "joined" line and tells no one', async () => {
      const id = await waitingThread();
      // The thread's copy in Redis outlives its document: the claim gets as far as writing it.
      await ConversationModel.collection.deleteOne({ _id: new Types.ObjectId(id) });
      const eventsBefore = events.length;
      const refused = await rejection(h.service.claim({ tenantId, actor: admin, conversationId: id }));
      expect(refused.code).to.equal('not_found');
      const lines = await MessageModel.collection.find({ conversationId: new Types.ObjectId(id) }).toArray();
      expect(lines.map((line) => line.clientId)).not.to.include('sys:claim:2');
      expect(events.slice(eventsBefore).map((event) => event.name)).to.deep.equal([]);
      const stored = await EventModel.collection
        .find({ conversationId: new Types.ObjectId(id), name: 'conversation.claimed' })
        .toArray();
      expect(stored).to.deep.equal([]);
      // Nor a copy of the thread in Redis that the database no longer has.
      expect(await h.redis.get(`${h.prefix}:conversation:${id}`)).to.equal(null);
    });

    it('keeps the bot silent while an admin owns the thread, and answers again after hand back', async () => {
      const id = await waitingThread();
      await h.service.claim({ tenantId, actor: admin, conversationId: id });
      const toAdmin = await say(id, 'Are you there?', learner, 'silent-1');
      expect(toAdmin).to.include({ botShouldAnswer: false });
      const dropped = await h.service.recordBotAnswer({
        tenantId,
        conversationId: id,
        replyTo: 'silent-1',
        text: 'bot',
        confidence: 1,
      });
      expect(dropped.message).to.equal(undefined);
      const reply = await h.service.postAdminReply({
        tenantId,
        actor: admin,
        conversationId: id,
        clientId: 'a1',
        text: 'Yes!',
      });
      expect(reply).to.include({ author: 'admin', authorName: 'Ada Admin', internal: false });
      await h.service.handBack({ tenantId, actor: admin, conversationId: id });
      expect((await say(id, 'Thanks, one more question')).botShouldAnswer).to.equal(true);
      expect(names()).to.include.members(['conversation.claimed', 'conversation.handed_back']);
    });

    it('refuses illegal transitions and non-owners', async () => {
      const { conversation } = await open();
      const id = conversation.id;
      expect(
        (await rejection(h.service.claim({ tenantId, actor: admin, conversationId: id }))).code,
      ).to.equal('conflict');
      expect(
        (await rejection(h.service.resolve({ tenantId, actor: admin, conversationId: id }))).code,
      ).to.equal('conflict');
      await h.service.requestHandoff({ tenantId, actor: learner, conversationId: id });
      const resolveWaiting = await rejection(
        h.service.resolve({ tenantId, actor: admin, conversationId: id }),
      );
      expect(resolveWaiting.message).to.equal('Take over this conversation before resolving it.');
      expect(
        (await rejection(h.service.claim({ tenantId, actor: learner, conversationId: id }))).code,
      ).to.equal('forbidden');
      await h.service.claim({ tenantId, actor: admin, conversationId: id });
      const other: Actor = { userId: newId(), role: 'admin', name: 'Other' };
      expect(
        (
          await rejection(
            h.service.postAdminReply({
              tenantId,
              actor: other,
              conversationId: id,
              clientId: 'o',
              text: 'hi',
            }),
          )
        ).code,
      ).to.equal('forbidden');
      expect(
        (await rejection(h.service.handBack({ tenantId, actor: other, conversationId: id }))).code,
      ).to.equal('forbidden');
      // A lead may act on someone else's thread (the caller checked the permission).
      const moved = await h.service.transfer({
        tenantId,
        actor: other,
        conversationId: id,
        to: { userId: other.userId, name: 'Other' },
        asLead: true,
      });
      expect(moved).to.include({ status: 'assigned', assigneeName: 'Other' });
      expect(names()).to.include('conversation.transferred');
    });

    it('staff texts share the one message limit, and a retried note or reply is stored once', async () => {
      const id = await waitingThread();
      await h.service.claim({ tenantId, actor: admin, conversationId: id });
      const staff = (clientId: string, text: string) => ({
        tenantId,
        actor: admin,
        conversationId: id,
        clientId,
        text,
      });
      const before = await MessageModel.countDocuments({ tenantId });
      const tooLong = await rejection(h.service.postAdminReply(staff('r-long', 'x'.repeat(4001))));
      expect(tooLong.code).to.equal('unprocessable');
      expect(tooLong.message).to.contain('4000 characters');
      expect((await rejection(h.service.addNote(staff('n-long', 'x'.repeat(4001))))).code).to.equal(
        'unprocessable',
      );
      expect(await MessageModel.countDocuments({ tenantId })).to.equal(before);
      const reply = await h.service.postAdminReply(staff('r-1', 'x'.repeat(4000)));
      const again = await h.service.postAdminReply(staff('r-1', 'x'.repeat(4000)));
      expect(again.id).to.equal(reply.id);
      const note = await h.service.addNote(staff('n-1', 'Checked the SSO logs'));
      expect((await h.service.addNote(staff('n-1', 'Checked the SSO logs'))).id).to.equal(note.id);
      expect(await MessageModel.countDocuments({ tenantId })).to.equal(before + 2);
      expect(names().filter((n) => n === 'note.added')).to.have.length(1);
    });

    it('an SLA step is written and told once however often its timer runs', async () => {
      const id = await waitingThread();
      const dueAt = new Date(h.clock.now().getTime() + 600_000).toISOString();
      const step = () =>
        h.service.recordSlaStep({
          tenantId,
          conversationId: id,
          clientId: 'sla:warn:1',
          text: 'Reply due in 10 minutes',
          event: 'sla.warned',
          payload: {
            sla: { state: 'at_risk', target: 'first_response', dueAt },
            target: 'first_response',
            dueAt,
            late: false,
          },
        });
      const runs = await Promise.all([step(), step(), step()]);
      expect(runs.filter(Boolean)).to.have.length(1);
      expect(await MessageModel.countDocuments({ tenantId, clientId: 'sla:warn:1' })).to.equal(1);
      expect(names().filter((n) => n === 'sla.warned')).to.have.length(1);
    });

    it('never shows internal notes to the learner', async () => {
      const id = await waitingThread();
      await h.service.addNote({
        tenantId,
        actor: admin,
        conversationId: id,
        clientId: 'n1',
        text: 'Probably a Canvas SSO issue',
      });
      const learnerView = await h.service.history({
        tenantId,
        actor: learner,
        conversationId: id,
        forLearner: false,
      });
      expect(learnerView.map((m) => m.text)).to.not.include('Probably a Canvas SSO issue');
      const reopenedView = await open();
      expect(reopenedView.messages.some((m) => m.internal)).to.equal(false);
      const staffView = await h.service.history({
        tenantId,
        actor: admin,
        conversationId: id,
        forLearner: false,
      });
      expect(staffView.find((m) => m.kind === 'note')).to.include({
        internal: true,
        text: 'Probably a Canvas SSO issue',
      });
      const note = events.find((e) => e.name === 'note.added');
      expect(note?.visibility).to.equal('staff');
    });

    it('resolve, then the learner writes within the window: the same thread reopens for people', async () => {
      const id = await waitingThread();
      await h.service.claim({ tenantId, actor: admin, conversationId: id });
      const resolved = await h.service.resolve({
        tenantId,
        actor: admin,
        conversationId: id,
        resolution: 'Password reset',
      });
      expect(resolved).to.include({ status: 'resolved', resolution: 'Password reset' });
      // A returning learner sees the resolved thread (and the admin's lines).
      expect((await open()).conversation.id).to.equal(id);
      h.clock.advance(2 * 86_400_000);
      const result = await say(id, 'It happened again');
      expect(result).to.include({ reopened: true, botShouldAnswer: false });
      expect(result.conversation).to.include({ id, status: 'waiting' });
      expect(result.conversation.assigneeId).to.equal(undefined);
      const reopened = events.find((e) => e.name === 'conversation.reopened');
      expect(reopened?.payload).to.deep.include({
        from: 'resolved',
        to: 'waiting',
        action: 'learner_reopen',
        by: 'learner',
      });
    });

    it('after the reopen window a new message starts a new thread with the bot', async () => {
      const id = await waitingThread();
      await h.service.claim({ tenantId, actor: admin, conversationId: id });
      await h.service.resolve({ tenantId, actor: admin, conversationId: id });
      h.clock.advance(8 * 86_400_000);
      const result = await say(id, 'New question about certificates');
      expect(result).to.include({ startedNew: true, botShouldAnswer: true });
      expect(result.conversation.id).to.not.equal(id);
      expect(result.conversation.status).to.equal('bot');
      expect(result.message.conversationId).to.equal(result.conversation.id);
      expect((await open()).conversation.id).to.equal(result.conversation.id);
    });

    it('an admin can reopen a resolved thread', async () => {
      const id = await waitingThread();
      await h.service.claim({ tenantId, actor: admin, conversationId: id });
      await h.service.resolve({ tenantId, actor: admin, conversationId: id });
      const reopened = await h.service.reopen({ tenantId, actor: admin, conversationId: id });
      expect(reopened.status).to.equal('waiting');
    });
  });

  describe('events', () => {
    it('are stored with an increasing per-tenant sequence and replay from any point', async () => {
      const { conversation } = await open();
      await say(conversation.id, 'one');
      await say(conversation.id, 'two');
      const all = await h.store.listSince(tenantId, 0);
      expect(all.map((e) => e.seq)).to.deep.equal([1, 2, 3]);
      expect((await h.store.listSince(tenantId, 1)).map((e) => e.seq)).to.deep.equal([2, 3]);
      expect(await h.store.latestSeq(tenantId)).to.equal(3);
      // Another tenant counts on its own.
      expect(await h.store.latestSeq(newId())).to.equal(0);
    });

    it('hand out unique sequences under concurrency', async () => {
      const seqs = await Promise.all(Array.from({ length: 30 }, () => h.store.nextSeq(tenantId)));
      expect(new Set(seqs).size).to.equal(30);
    });
  });
});
