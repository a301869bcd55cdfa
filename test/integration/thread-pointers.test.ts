import { expect } from 'chai';
import { Types } from 'mongoose';
import { ConversationModel, ThreadPointerModel, threadPointerId } from '../../src/conversations/index.js';
import { backfillThreadPointers } from '../../src/conversations/thread-pointer-backfill.js';
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

  /** Forgets every trace of where a person's thread is: as threads stored before pointers existed. */
  async function forgetPointers(tenantId: string) {
    await ThreadPointerModel.deleteMany({ tenantId: new Types.ObjectId(tenantId) });
    const keys = await h.redis.keys(`${h.prefix}:thread:${tenantId}:*`);
    if (keys.length) await h.redis.del(...keys);
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

  it('the backfill points threads stored without a pointer, and leaves existing pointers alone', async () => {
    const tenantId = newId();
    const [resolvedOnly, openAndResolved, alreadyPointed] = [learner(), learner(), learner()];
    const courseId = newId();
    // One person with a recently resolved thread only.
    const a = await h.service.openOrContinue({ tenantId, actor: resolvedOnly, courseId });
    await resolve(a.conversation.id, h.clock.now());
    // One with a thread resolved long ago and a newer open one.
    const b1 = await h.service.openOrContinue({ tenantId, actor: openAndResolved, courseId });
    await resolve(b1.conversation.id, new Date(h.clock.now().getTime() - 60 * 86_400_000));
    const b2 = await h.service.openOrContinue({ tenantId, actor: openAndResolved, courseId });
    expect(b2.conversation.id).to.not.equal(b1.conversation.id);
    await forgetPointers(tenantId);
    // One whose pointer is written meanwhile, by live traffic.
    const c = await h.service.openOrContinue({ tenantId, actor: alreadyPointed, courseId });

    const result = await backfillThreadPointers();
    expect(result.pointed).to.be.at.least(2);

    const pointed = async (userId: string) =>
      String(
        (await ThreadPointerModel.findById(threadPointerId(tenantId, userId, courseId)).lean())
          ?.conversationId,
      );
    expect(await pointed(resolvedOnly.userId)).to.equal(a.conversation.id);
    expect(await pointed(openAndResolved.userId)).to.equal(b2.conversation.id);
    expect(await pointed(alreadyPointed.userId)).to.equal(c.conversation.id);
    // The learner with the resolved thread sees it again, with Redis knowing nothing.
    const back = await h.service.openOrContinue({ tenantId, actor: resolvedOnly, courseId });
    expect(back.conversation.id).to.equal(a.conversation.id);
    expect((await backfillThreadPointers()).pointed).to.equal(0);
  });
});
