import { expect } from 'chai';
import { Types } from 'mongoose';
import { planTransition } from '../../../src/conversations/commands/transition.js';
import type { Conversation } from '../../../src/conversations/conversation.model.js';
import { AppError } from '../../../src/lib/errors.js';

const thread = (fields: Partial<Conversation>): Conversation =>
  ({
    _id: new Types.ObjectId(),
    tenantId: new Types.ObjectId(),
    user: { userId: new Types.ObjectId(), role: 'learner' },
    status: 'waiting',
    priority: 'normal',
    version: 3,
    lastMessageAt: new Date('2026-03-04T15:00:00Z'),
    ...fields,
  }) as Conversation;

describe('a planned status change', () => {
  const now = new Date('2026-03-04T16:00:00Z');

  it('moves the status by the status machine, bumps the version and merges the change in memory', () => {
    const assigneeId = new Types.ObjectId();
    const { change, updated } = planTransition(
      thread({}),
      'claim',
      { set: { assigneeId, assigneeName: 'Ada' } },
      now,
    );
    expect(updated).to.include({ status: 'assigned', version: 4, assigneeName: 'Ada', updatedAt: now });
    expect(change.set).to.include({ status: 'assigned', version: 4, assigneeId, updatedAt: now });
  });

  it('removes unset fields from the document it returns', () => {
    const owned = thread({ status: 'assigned', assigneeId: new Types.ObjectId(), assigneeName: 'Ada' });
    const { change, updated } = planTransition(
      owned,
      'release',
      { unset: ['assigneeId', 'assigneeName'] },
      now,
    );
    expect(updated.status).to.equal('waiting');
    expect(updated).to.not.have.property('assigneeId');
    expect(updated).to.not.have.property('assigneeName');
    expect(change.unset).to.deep.equal(['assigneeId', 'assigneeName']);
  });

  it('refuses a move the status machine does not allow, as a conflict naming the status and action', () => {
    try {
      planTransition(thread({ status: 'bot' }), 'claim', {}, now);
      expect.fail('expected a conflict');
    } catch (error) {
      expect(error).to.be.instanceOf(AppError);
      expect((error as AppError).code).to.equal('conflict');
      expect((error as AppError).details).to.deep.equal({ status: 'bot', action: 'claim' });
    }
  });
});
