import { expect } from 'chai';
import { Types } from 'mongoose';
import type { Page, Request } from 'playwright-core';
import type { EventName } from '../../src/events/catalog.js';
import { EventModel } from '../../src/events/event.model.js';
import {
  announcements,
  ask,
  chatLog,
  openChatPage,
  storedAnswer,
  storedThread,
  streamChunks,
  useChatWithModel,
  waitForStoredBubble,
  waitForStreamingBubble,
  watchChat,
} from '../support/chat-page.js';
import { eventually } from '../support/eventually.js';
import { FakeOpenAI } from '../support/openai-fake.js';

// public/js/chat/live.js and common/session.js: the page's live channel drops while an answer is being
// streamed, and the page must come back by itself, resume from the last event id it had, and end with
// the whole answer shown once.

const ANSWER = streamChunks(
  'Open the sign-in page, select Forgot password, type your email address and follow the link we send you [1].',
);
const LATER_ANSWER = streamChunks(
  'Request another reset message: older links expire after an hour, so always use the newest one [1].',
);
const TOKENS_BEFORE_DROP = 6;

/** Sequence numbers of a thread's stored events of one name (the ids the live channel sends). */
async function eventSeqs(tenantId: string, conversationId: string, name: EventName): Promise<number[]> {
  const events = await EventModel.find(
    {
      tenantId: new Types.ObjectId(tenantId),
      conversationId: new Types.ObjectId(conversationId),
      name,
    },
    { seq: 1 },
  )
    .sort({ seq: 1 })
    .lean<Array<{ seq: number }>>();
  return events.map((event) => event.seq);
}

describe('the chat page reconnects its live channel after a drop mid-answer', function () {
  this.timeout(120_000);
  const model = new FakeOpenAI();
  model.reply = () => [...ANSWER, '\nCONFIDENCE: 0.9'];
  const chat = useChatWithModel(model);

  /** Holds the page's next live-channel requests until the returned function is called. */
  async function holdReconnects(page: Page): Promise<{ release: () => void; held: Promise<Request> }> {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let heldRequest: (request: Request) => void = () => {};
    const held = new Promise<Request>((resolve) => {
      heldRequest = resolve;
    });
    await page.route('**/api/chat/events', async (route) => {
      heldRequest(route.request());
      await released;
      await route.continue();
    });
    return { release, held };
  }

  it('the answer stored while the page was away is replayed from its last event id and shown once, whole', async () => {
    const { page, frame, liveRequests: eventRequests } = await openChatPage(chat);
    const question = 'How do I reset my password?';
    const bubblesBefore = await frame.locator('.message-bot').count();
    await watchChat(frame);
    model.rearmPause();
    model.pauseAfterChunks = TOKENS_BEFORE_DROP;
    await ask(frame, question);
    await waitForStreamingBubble(frame, ANSWER.slice(0, TOKENS_BEFORE_DROP).join(''));
    const { conversationId } = await storedThread(frame);
    const questionSeq = await eventually(
      async () => (await eventSeqs(chat.tenantId, conversationId, 'message.posted'))[0],
      "the question's stored event",
    );

    // The stream drops mid-answer (the server closes every connection); the page's next attempt is held
    // until the rest of the answer has been streamed to nobody and stored.
    const reconnect = await holdReconnects(page);
    const connectionsBefore = eventRequests.length;
    chat.app.server.closeAllConnections();
    await frame.locator('#connection').filter({ hasText: 'Reconnecting' }).waitFor({ state: 'attached' });
    const retry = await reconnect.held;
    model.releaseStreams();
    const answer = await storedAnswer(frame, question);
    const answerSeq = await eventually(
      async () =>
        (await eventSeqs(chat.tenantId, conversationId, 'message.posted')).find((s) => s > questionSeq),
      "the stored answer's event",
    );
    reconnect.release();
    await frame.locator('#connection').filter({ hasText: 'Connected' }).waitFor({ state: 'attached' });

    await waitForStoredBubble(frame, answer.text);
    // It resumed after the question's event (already on the page) and before the answer's (missed).
    const lastEventId = Number(await retry.headerValue('last-event-id'));
    expect(eventRequests.length, 'the page reconnected').to.be.greaterThan(connectionsBefore);
    expect(lastEventId, 'Last-Event-ID of the reconnect').to.be.at.least(questionSeq);
    expect(lastEventId, 'Last-Event-ID of the reconnect').to.be.below(answerSeq);
    expect(answer.text).to.equal(ANSWER.join(''));
    expect(await frame.locator('.message-bot').count(), 'assistant bubbles').to.equal(bubblesBefore + 1);
    expect(Math.max(...(await chatLog(frame)).bubbleCounts), 'bubbles at any moment').to.equal(
      bubblesBefore + 1,
    );
    expect(await frame.locator('.message-learner', { hasText: question }).count(), 'the question').to.equal(
      1,
    );
    expect(await announcements(frame), 'announced once, complete').to.deep.equal([
      `Assistant: ${answer.text}`,
    ]);
    if (process.env.SCREENSHOT_DIR)
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/chat-reconnect-after.png` });

    // A second drop after the answer: the page resumes after the answer, so nothing is shown again.
    await page.unroute('**/api/chat/events');
    const second = await holdReconnects(page);
    chat.app.server.closeAllConnections();
    const secondRetry = await second.held;
    second.release();
    await frame.locator('#connection').filter({ hasText: 'Connected' }).waitFor({ state: 'attached' });
    expect(Number(await secondRetry.headerValue('last-event-id'))).to.be.at.least(answerSeq);
    // A later line proves the new connection is live, and that it came after nothing repeated.
    model.reply = () => [...LATER_ANSWER, '\nCONFIDENCE: 0.9'];
    await ask(frame, 'I forgot my password again, what now?');
    await waitForStoredBubble(frame, LATER_ANSWER.join(''));
    expect(await frame.locator('.message-bot').count()).to.equal(bubblesBefore + 2);
    expect(await frame.locator('.message-bot', { hasText: answer.text }).count()).to.equal(1);
    expect(await frame.locator('.message-learner', { hasText: question }).count()).to.equal(1);
    await page.close();
  });
});
