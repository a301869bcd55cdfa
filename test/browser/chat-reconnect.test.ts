import { expect } from 'chai';
import { Types } from 'mongoose';
import type { Frame, Page, Request } from 'playwright-core';
import type { EventName } from '../../src/events/catalog.js';
import { EventModel } from '../../src/events/event.model.js';
import type { TestApp } from '../support/app.js';
import { openBrowser, toolFrame } from '../support/browser.js';
import { addPasswordHelpArticle, startAppWithDevLms } from '../support/dev-lms-app.js';
import { eventually } from '../support/eventually.js';
import { FakeOpenAI } from '../support/openai-fake.js';

// public/js/chat/live.js and common/session.js: the page's live channel drops while an answer is being
// streamed, and the page must come back by itself, resume from the last event id it had, and end with
// the whole answer shown once.

const ANSWER = [
  'Open',
  ' the',
  ' sign-in',
  ' page,',
  ' select',
  ' Forgot',
  ' password,',
  ' type',
  ' your',
  ' email',
  ' address',
  ' and',
  ' follow',
  ' the',
  ' link',
  ' we',
  ' send',
  ' you',
  ' [1].',
];
const LATER_ANSWER = [
  'Request',
  ' another',
  ' reset',
  ' message:',
  ' older',
  ' links',
  ' expire',
  ' after',
  ' an',
  ' hour,',
  ' so',
  ' always',
  ' use',
  ' the',
  ' newest',
  ' one',
  ' [1].',
];
const TOKENS_BEFORE_DROP = 6;

interface StoredMessage {
  id: string;
  clientId: string;
  author: string;
  text: string;
}

/** Inside the page: the number of assistant bubbles after every change, and every announcement. */
interface ChatLog {
  bubbleCounts: number[];
  announcements: string[];
}

async function watchChat(frame: Frame): Promise<void> {
  await frame.evaluate(() => {
    const log: ChatLog = { bubbleCounts: [], announcements: [] };
    Object.assign(window, { chatLog: log });
    const list = document.querySelector('.messages') as HTMLElement;
    new MutationObserver(() => log.bubbleCounts.push(list.querySelectorAll('.message-bot').length)).observe(
      list,
      { childList: true, subtree: true, characterData: true, attributes: true },
    );
    const announcer = document.getElementById('announcer') as HTMLElement;
    new MutationObserver(() => {
      if (announcer.textContent) log.announcements.push(announcer.textContent);
    }).observe(announcer, { childList: true, subtree: true, characterData: true });
  });
}

const chatLog = (frame: Frame): Promise<ChatLog> =>
  frame.evaluate(() => structuredClone((window as unknown as { chatLog: ChatLog }).chatLog));

/** The learner's thread as the API stores it. */
async function thread(frame: Frame): Promise<{ conversationId: string; messages: StoredMessage[] }> {
  return frame.evaluate(async () => {
    const session = (window as unknown as { chatref: { api(path: string): Promise<Response> } }).chatref;
    const body = (await (await session.api('/api/chat')).json()) as {
      conversation: { id: string };
      messages: StoredMessage[];
    };
    return { conversationId: body.conversation.id, messages: body.messages };
  });
}

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
  let app: TestApp;
  let tenantId: string;
  let lmsUrl: string;
  let browser: Awaited<ReturnType<typeof openBrowser>>;

  before(async () => {
    await model.start();
    model.reply = () => [...ANSWER, '\nCONFIDENCE: 0.9'];
    ({ app, lmsUrl, tenantId } = await startAppWithDevLms({
      OPENAI_API_KEY: 'test-key',
      OPENAI_BASE_URL: model.url,
    }));
    await addPasswordHelpArticle(app, tenantId);
    browser = await openBrowser({ blockThirdPartyCookies: true });
  });
  after(async () => {
    model.releaseStreams();
    await browser?.close();
    await app?.stop();
    await model.stop();
  });
  afterEach(() => {
    model.pauseAfterChunks = undefined;
    model.releaseStreams();
  });

  async function openChat(): Promise<{ page: Page; frame: Frame; eventRequests: Request[] }> {
    const page = await browser.context.newPage();
    // Every request the page makes for its live channel (the frame's requests are the page's too).
    const eventRequests: Request[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/chat/events') eventRequests.push(request);
    });
    await page.goto(`${lmsUrl}/dev/lms`);
    await page.getByRole('button', { name: 'Launch as learner' }).click();
    const frame = await toolFrame(page, '/chat');
    await frame.getByRole('textbox', { name: 'Message' }).waitFor();
    await frame.locator('#connection').filter({ hasText: 'Connected' }).waitFor({ state: 'attached' });
    return { page, frame, eventRequests };
  }

  async function ask(frame: Frame, question: string): Promise<void> {
    await frame.getByRole('textbox', { name: 'Message' }).fill(question);
    await frame.getByRole('button', { name: 'Send' }).click();
  }

  /** The newest assistant bubble is streaming and shows exactly `text`. */
  const streamingBubble = (frame: Frame, text: string) =>
    frame.waitForFunction((expected) => {
      const bubbles = document.querySelectorAll('.message-bot');
      const last = bubbles[bubbles.length - 1];
      return (
        last?.getAttribute('aria-busy') === 'true' &&
        last.querySelector('.message-text')?.textContent === expected
      );
    }, text);

  /** The newest assistant bubble is the stored answer (no longer streaming, with its feedback buttons). */
  const storedBubble = (frame: Frame, text: string) =>
    frame.waitForFunction((expected) => {
      const bubbles = document.querySelectorAll('.message-bot');
      const last = bubbles[bubbles.length - 1];
      return (
        last &&
        !last.hasAttribute('aria-busy') &&
        last.querySelector('.feedback') &&
        last.querySelector('.message-text')?.textContent === expected
      );
    }, text);

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
    const { page, frame, eventRequests } = await openChat();
    const question = 'How do I reset my password?';
    const bubblesBefore = await frame.locator('.message-bot').count();
    await watchChat(frame);
    model.rearmPause();
    model.pauseAfterChunks = TOKENS_BEFORE_DROP;
    await ask(frame, question);
    await streamingBubble(frame, ANSWER.slice(0, TOKENS_BEFORE_DROP).join(''));
    const { conversationId } = await thread(frame);
    const questionSeq = await eventually(
      async () => (await eventSeqs(tenantId, conversationId, 'message.posted'))[0],
      "the question's stored event",
    );

    // The stream drops mid-answer (the server closes every connection); the page's next attempt is held
    // until the rest of the answer has been streamed to nobody and stored.
    const reconnect = await holdReconnects(page);
    const connectionsBefore = eventRequests.length;
    app.server.closeAllConnections();
    await frame.locator('#connection').filter({ hasText: 'Reconnecting' }).waitFor({ state: 'attached' });
    const retry = await reconnect.held;
    model.releaseStreams();
    const answer = await eventually(async () => {
      const { messages } = await thread(frame);
      const asked = messages.find((m) => m.author === 'learner' && m.text === question);
      return asked && messages.find((m) => m.clientId === `bot:${asked.clientId}`);
    }, 'the answer stored while the page is away');
    const answerSeq = await eventually(
      async () => (await eventSeqs(tenantId, conversationId, 'message.posted')).find((s) => s > questionSeq),
      "the stored answer's event",
    );
    reconnect.release();
    await frame.locator('#connection').filter({ hasText: 'Connected' }).waitFor({ state: 'attached' });

    await storedBubble(frame, answer.text);
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
    await frame.waitForFunction(
      () => (window as unknown as { chatLog: ChatLog }).chatLog.announcements.length > 0,
    );
    expect((await chatLog(frame)).announcements, 'announced once, complete').to.deep.equal([
      `Assistant: ${answer.text}`,
    ]);
    if (process.env.SCREENSHOT_DIR)
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/chat-reconnect-after.png` });

    // A second drop after the answer: the page resumes after the answer, so nothing is shown again.
    await page.unroute('**/api/chat/events');
    const second = await holdReconnects(page);
    app.server.closeAllConnections();
    const secondRetry = await second.held;
    second.release();
    await frame.locator('#connection').filter({ hasText: 'Connected' }).waitFor({ state: 'attached' });
    expect(Number(await secondRetry.headerValue('last-event-id'))).to.be.at.least(answerSeq);
    // A later line proves the new connection is live, and that it came after nothing repeated.
    model.reply = () => [...LATER_ANSWER, '\nCONFIDENCE: 0.9'];
    await ask(frame, 'I forgot my password again, what now?');
    await storedBubble(frame, LATER_ANSWER.join(''));
    expect(await frame.locator('.message-bot').count()).to.equal(bubblesBefore + 2);
    expect(await frame.locator('.message-bot', { hasText: answer.text }).count()).to.equal(1);
    expect(await frame.locator('.message-learner', { hasText: question }).count()).to.equal(1);
    await page.close();
  });
});
