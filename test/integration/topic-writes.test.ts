import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Types } from 'mongoose';
import { topicWriteLock } from '../../src/insights/topic.jobs.js';
import { type TopicAssignment, TopicAssignmentModel, TopicModel } from '../../src/insights/topic.model.js';
import { assignTopic, type TopicDeps } from '../../src/insights/topic-assign.js';
import { TOPIC_DEFAULTS } from '../../src/insights/topic-settings.js';
import { type DomainHarness, newId, startDomain } from './conversations-support.js';

const QUESTIONS = [
  'How do I reset my password?',
  'I forgot my password and cannot log in',
  'The password reset email never arrived',
  'Can I change my password from the app?',
  'My new password is not accepted',
  'Where is the reset password link?',
];

describe('topics: jobs of one thread writing its question at once', function () {
  this.timeout(120_000);
  let domain: DomainHarness;

  before(async () => {
    domain = await startDomain();
  });
  after(async () => {
    await domain?.close();
  });

  /** A learner's thread handed off after one question; returns its id. */
  async function handedOff(tenantId: string, question: string): Promise<string> {
    const actor = { userId: newId(), role: 'learner' as const, name: 'Concurrent Learner' };
    const opened = await domain.service.openOrContinue({ tenantId, actor, courseId: newId(), locale: 'en' });
    const conversationId = opened.conversation.id;
    await domain.service.postLearnerMessage({
      tenantId,
      actor,
      conversationId,
      clientId: `c-${randomUUID()}`,
      text: question,
    });
    await domain.service.requestHandoff({ tenantId, actor, conversationId });
    return conversationId;
  }

  it('keeps every reason of every job and counts each question once on its topic', async () => {
    const tenantId = newId();
    const threads: string[] = [];
    for (const question of [...QUESTIONS, ...QUESTIONS]) threads.push(await handedOff(tenantId, question));
    const deps: TopicDeps = {
      settings: TOPIC_DEFAULTS,
      // The chat model's answer: every question is about the same topic, so every job writes it at once.
      labeller: async () => 'Password reset',
      embedder: null,
      lowConfidenceThreshold: async () => 0.5,
      requestRecluster: async () => undefined,
      exclusive: topicWriteLock(domain.redis, domain.prefix),
    };
    const at = new Date().toISOString();
    // Two jobs per thread at the same moment (as a handoff's job and a rating's job can run), all at once.
    const outcomes = await Promise.all(
      threads.flatMap((conversationId) =>
        ['human_request', 'keyword_rule'].map((code) =>
          assignTopic({ tenantId, conversationId, trigger: 'handoff', handoffReasons: [code], at }, deps),
        ),
      ),
    );
    expect(outcomes.map((o) => o.status)).to.not.include('waiting');

    const rows = await TopicAssignmentModel.find({ tenantId: new Types.ObjectId(tenantId) }).lean<
      TopicAssignment[]
    >();
    expect(rows).to.have.length(threads.length);
    for (const row of rows) {
      expect(row.handoffReasons, String(row.conversationId)).to.have.members([
        'human_request',
        'keyword_rule',
      ]);
      expect(row.method).to.equal('model');
    }
    const topics = await TopicModel.find({ tenantId: new Types.ObjectId(tenantId) }).lean();
    expect(topics.map((t) => [t.label, t.memberCount])).to.deep.equal([['Password reset', threads.length]]);
    expect(new Set(rows.map((r) => String(r.topicId)))).to.deep.equal(new Set([String(topics[0]?._id)]));
  });
});
