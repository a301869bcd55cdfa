import { expect } from 'chai';
import { InboxIndex } from '../../../src/inbox/inbox-index.js';
import type { InboxIndexSource } from '../../../src/inbox/inbox-index-source.js';
import { MemoryIndexStore } from './index-memory-store.js';
import { ADMIN, event, LEARNER, TENANT, THREAD } from './thread-events.js';

describe('inbox index over its store port (no database reads on the staff action paths)', () => {
  let reads: number;
  /** What reading the document gives: nothing (the thread is gone), or no answer yet. */
  let document: 'gone' | 'pending';
  const source: InboxIndexSource = {
    conversation: () => {
      reads++;
      return document === 'gone' ? Promise.resolve(null) : new Promise(() => {});
    },
    conversations: async function* () {},
    messages: async function* () {},
    slaEvents: async function* () {},
  };

  it('a thread opened, handed off and claimed moves between the lists; the claim is applied from its event alone', async () => {
    reads = 0;
    // The handoff's background read of the document (course title, routed team) does not answer here.
    document = 'pending';
    const store = new MemoryIndexStore();
    const index = new InboxIndex({ store, source, teams: { route: async () => undefined } });
    const list = async (view: 'open' | 'unassigned' | 'mine' | 'attention') =>
      (await index.page(TENANT, { view, userId: ADMIN, filters: {}, limit: 25 })).ids;

    await index.handleEvent(
      event('conversation.opened', { status: 'bot', priority: 'normal', userId: LEARNER, role: 'learner' }),
    );
    expect(reads, 'opening builds the entry from the event').to.equal(0);
    expect(await list('open')).to.deep.equal([THREAD]);
    expect(await list('unassigned')).to.deep.equal([]);
    expect(
      (await index.search(TENANT, { q: 'lopez', view: 'all', userId: ADMIN, filters: {}, limit: 25 })).ids,
    ).to.deep.equal([THREAD]);

    await index.handleEvent(
      event('conversation.handed_off', {
        from: 'bot',
        to: 'waiting',
        action: 'handoff',
        version: 1,
        priority: 'high',
        replyBy: '2026-03-02T11:00:00.000Z',
        mode: 'live',
        reasons: [{ code: 'human_request' }],
        notify: [],
        summary: [],
      }),
    );
    expect(await list('unassigned')).to.deep.equal([THREAD]);
    expect(await list('attention')).to.deep.equal([THREAD]);

    const readsBeforeClaim = reads;
    await index.handleEvent(
      event('conversation.claimed', {
        from: 'waiting',
        to: 'assigned',
        action: 'claim',
        version: 2,
        assignee: { userId: ADMIN, name: 'Ines' },
      }),
    );
    expect(reads, 'a claim reads no document').to.equal(readsBeforeClaim);
    expect(await list('unassigned')).to.deep.equal([]);
    expect(await list('mine')).to.deep.equal([THREAD]);
    const counts = await index.counts(TENANT, ADMIN, {});
    expect(counts).to.include({ mine: 1, unassigned: 0, open: 1, resolved: 0 });
    expect(await index.counts(TENANT, ADMIN, { priority: 'high' })).to.include({ mine: 1 });
    expect(await index.counts(TENANT, ADMIN, { priority: 'low' })).to.include({ mine: 0 });
    const entry = (await index.docs(TENANT, [THREAD])).get(THREAD);
    expect(entry).to.include({ s: 'assigned', a: ADMIN, an: 'Ines', p: 'high', v: 2 });
  });

  it('an event for a version the entry has not seen reads the document instead of guessing', async () => {
    reads = 0;
    document = 'gone';
    const store = new MemoryIndexStore();
    const index = new InboxIndex({ store, source, teams: { route: async () => undefined } });
    await index.handleEvent(
      event('conversation.opened', { status: 'bot', priority: 'normal', userId: LEARNER, role: 'learner' }),
    );
    await index.handleEvent(
      event('conversation.claimed', {
        from: 'waiting',
        to: 'assigned',
        action: 'claim',
        version: 5,
        assignee: { userId: ADMIN },
      }),
    );
    expect(reads).to.equal(1);
    // The source no longer has the thread: its entry goes.
    expect((await index.docs(TENANT, [THREAD])).size).to.equal(0);
  });
});
