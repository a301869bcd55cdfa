import { expect } from 'chai';
import type { Conversation } from '../../../src/conversations/conversation.model.js';
import { InboxIndex } from '../../../src/inbox/inbox-index.js';
import type { InboxIndexSource } from '../../../src/inbox/inbox-index-source.js';
import { INBOX_VIEWS } from '../../../src/inbox/index-doc.js';
import { MemoryIndexStore } from './index-memory-store.js';
import { ADMIN, event, LEARNER, OPENED, TENANT, THREAD } from './thread-events.js';

const ENQUIRY = '2026-03-02T10:05:00.000Z';

/** The thread's document as a read of the database gives it: with the bot, marked a lead or not yet. */
function documentAt(updatedAt: string, leadAt?: string): Conversation {
  return {
    _id: THREAD,
    tenantId: TENANT,
    status: 'bot',
    priority: 'normal',
    version: 0,
    user: { userId: LEARNER, name: 'Ana López', role: 'learner' },
    lastMessageAt: new Date(updatedAt),
    updatedAt: new Date(updatedAt),
    ...(leadAt ? { leadAt: new Date(leadAt) } : {}),
  } as unknown as Conversation;
}

describe('inbox index: conversation.marked_lead takes a thread out of every list (no document read)', () => {
  let reads: number;
  let document: Conversation | null;
  const source: InboxIndexSource = {
    conversation: async () => {
      reads++;
      return document;
    },
    conversations: async function* () {},
    messages: async function* () {},
    slaEvents: async function* () {},
  };

  async function setup() {
    reads = 0;
    document = documentAt(OPENED);
    const index = new InboxIndex({
      store: new MemoryIndexStore(),
      source,
      teams: { route: async () => undefined },
    });
    await index.handleEvent(
      event('conversation.opened', { status: 'bot', priority: 'normal', userId: LEARNER, role: 'learner' }),
    );
    return index;
  }
  /** The views that list the thread, and whether searching the learner's name finds it. */
  async function seen(index: InboxIndex) {
    const views: string[] = [];
    for (const view of INBOX_VIEWS)
      if ((await index.page(TENANT, { view, userId: ADMIN, filters: {}, limit: 25 })).ids.includes(THREAD))
        views.push(view);
    const found = (
      await index.search(TENANT, { q: 'lopez', view: 'all', userId: ADMIN, filters: {}, limit: 25 })
    ).ids;
    return { views, found: found.includes(THREAD) };
  }

  it('a bot thread marked a lead is in no list or search, from the event alone; a genuine handoff brings it back', async () => {
    const index = await setup();
    expect((await seen(index)).views).to.include('open');

    await index.handleEvent(event('conversation.marked_lead', { leadAt: ENQUIRY }, ENQUIRY));
    expect(reads, 'the mark reads no document').to.equal(0);
    expect(await seen(index)).to.deep.equal({ views: [], found: false });
    expect(await index.counts(TENANT, ADMIN, {})).to.include({ open: 0 });

    await index.handleEvent(
      event('conversation.handed_off', {
        from: 'bot',
        to: 'waiting',
        action: 'handoff',
        version: 1,
        priority: 'normal',
        replyBy: '2026-03-02T11:00:00.000Z',
        mode: 'live',
        reasons: [{ code: 'human_request' }],
        notify: [],
        summary: [],
      }),
    );
    expect((await seen(index)).views).to.include.members(['open', 'unassigned']);
  });

  it('a reading of the document from before the mark (another process racing) does not put the thread back; one from after keeps it out', async () => {
    const index = await setup();
    await index.handleEvent(event('conversation.marked_lead', { leadAt: ENQUIRY }, ENQUIRY));
    // Events the index answers by reading the document (here `lead.captured`).
    document = documentAt(OPENED);
    await index.handleEvent(event('lead.captured', { leadId: THREAD }, ENQUIRY));
    expect(reads).to.equal(1);
    expect((await seen(index)).views, 'after a stale reading').to.deep.equal([]);
    document = documentAt('2026-03-02T10:05:00.010Z', ENQUIRY);
    await index.handleEvent(event('lead.captured', { leadId: THREAD }, ENQUIRY));
    expect((await seen(index)).views, 'after a fresh reading').to.deep.equal([]);
  });

  it('a thread not indexed yet is read whole: its leadAt keeps it out', async () => {
    reads = 0;
    document = documentAt('2026-03-02T10:05:00.010Z', ENQUIRY);
    const index = new InboxIndex({
      store: new MemoryIndexStore(),
      source,
      teams: { route: async () => undefined },
    });
    await index.handleEvent(event('conversation.marked_lead', { leadAt: ENQUIRY }, ENQUIRY));
    expect(reads).to.equal(1);
    expect((await index.docs(TENANT, [THREAD])).get(THREAD)?.ld).to.equal(Date.parse(ENQUIRY));
    expect((await seen(index)).views).to.deep.equal([]);
  });
});
