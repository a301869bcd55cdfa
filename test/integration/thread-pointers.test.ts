import { expect } from 'chai';
import { ConversationModel, ThreadPointerModel, threadPointerId } from '../../src/conversations/index.js';
import { type DomainHarness, newId, startDomain } from './conversations-support.js';

describe('thread pointers: a returning learner finds their latest thread', function () {
  this.timeout(60_000);
  let h: DomainHarness;
  before(async () => {
    h = await startDomain();
  });
  after(() => h?.close());

  const learner = () => ({ userId: newId(), role: 'learner' as const, name: 'Lea' });

  /** Marks a thread resolved at `at` (as the inbox's resolve does), dropping its Redis copies. */
  async function resolve(id: string, at: Date) {
    await ConversationModel.updateOne(
      { _id: id },
      { $set: { status: 'resolved', openKey: `closed:${id}`, resolvedAt: at } },
    );
    const copies = await h.redis.keys(`${h.prefix}:*${id}*`);
    if (copies.length) await h.redis.del(...copies);
  }

  it('a thread resolved within the reopen window is shown again, one outside it gives way to a new one', async () => {
    const tenantId = newId();
    const actor = learner();
    const courseId = newId();
    const first = await h.service.openOrContinue({ tenantId, actor, courseId });
    await resolve(first.conversation.id, h.clock.now());

    const again = await h.service.openOrContinue({ tenantId, actor, courseId });
    expect(again.conversation.id).to.equal(first.conversation.id);
    expect(again.conversation.status).to.equal('resolved');

    h.clock.set(new Date(h.clock.now().getTime() + 60 * 86_400_000).toISOString());
    const later = await h.service.openOrContinue({ tenantId, actor, courseId });
    expect(later.conversation.id).to.not.equal(first.conversation.id);
    expect(later.created).to.equal(true);
    const pointer = await ThreadPointerModel.findById(
      threadPointerId(tenantId, actor.userId, courseId),
    ).lean();
    expect(String(pointer?.conversationId)).to.equal(later.conversation.id);
  });
});
