import { expect } from 'chai';
import { Types } from 'mongoose';
import type { Conversation } from '../../../src/conversations/conversation.model.js';
import { INBOX_VIEWS, inView, outOfInbox, viewsOf } from '../../../src/inbox/index.js';
import { IndexProjection } from '../../../src/inbox/index-projection.js';
import type { TeamRouting } from '../../../src/inbox/teams.js';
import { doc } from './index-doc.fixture.js';

/** A bot thread's document with `fields` on top. */
function conversation(fields: Partial<Conversation>): Conversation {
  const at = new Date('2026-03-02T10:00:00Z');
  return {
    _id: new Types.ObjectId(),
    tenantId: new Types.ObjectId(),
    user: { userId: new Types.ObjectId(), role: 'learner' },
    status: 'bot',
    priority: 'normal',
    openKey: 'open:x:y',
    lastMessageAt: at,
    lowConfidenceStreak: 0,
    version: 0,
    locale: 'en',
    context: {},
    createdAt: at,
    updatedAt: at,
    ...fields,
  } as Conversation;
}

describe('inbox views of a lead thread (kept out of the admin inbox)', () => {
  // docFromConversation needs no store: only the team routing, which finds no team here.
  const index = new IndexProjection({
    store: undefined as never,
    source: undefined as never,
    teams: { route: async () => undefined } as unknown as TeamRouting,
  });

  it('a bot thread marked as a lead is in no view, not even All, and no search view finds it', () => {
    const lead = doc({ s: 'bot', ld: 1 });
    expect(outOfInbox(lead)).to.equal(true);
    expect(viewsOf(lead)).to.deep.equal([]);
    for (const view of INBOX_VIEWS) expect(inView(lead, view, 'me'), view).to.equal(false);
    // A plain bot thread is in Open and All.
    expect(viewsOf(doc({ s: 'bot' }))).to.deep.equal(['open']);
    expect(inView(doc({ s: 'bot' }), 'all', 'me')).to.equal(true);
  });

  it('a mark never hides a thread people hold', () => {
    for (const s of ['waiting', 'assigned', 'resolved'] as const)
      expect(viewsOf(doc({ s, ld: 1, a: 'me' })), s).not.to.deep.equal([]);
  });

  it('the mark comes from the document: an enquiry later than the latest handoff, or with no handoff', async () => {
    const enquiry = new Date('2026-03-02T11:00:00Z');
    const before = new Date('2026-03-02T10:30:00Z');
    const after = new Date('2026-03-02T11:30:00Z');
    const card = (createdAt: Date) => ({ reasons: [{ code: 'human_request' }], createdAt }) as never;
    expect((await index.docFromConversation(conversation({ leadAt: enquiry }))).ld).to.equal(
      enquiry.getTime(),
    );
    expect(
      (await index.docFromConversation(conversation({ leadAt: enquiry, handoff: card(before) }))).ld,
    ).to.equal(enquiry.getTime());
    // Handed off after the enquiry (and perhaps handed back): an inbox thread again.
    expect(
      (await index.docFromConversation(conversation({ leadAt: enquiry, handoff: card(after) }))).ld,
    ).to.equal(undefined);
    expect((await index.docFromConversation(conversation({}))).ld).to.equal(undefined);
  });
});
