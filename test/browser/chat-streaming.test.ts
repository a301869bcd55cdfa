import { expect } from 'chai';
import type { Frame, Page } from 'playwright-core';
import type { TestApp } from '../support/app.js';
import { openBrowser, reloadFrame, toolFrame } from '../support/browser.js';
import { addPasswordHelpArticle, startAppWithDevLms } from '../support/dev-lms-app.js';
import { eventually } from '../support/eventually.js';
import { FakeOpenAI } from '../support/openai-fake.js';

// Two answers of 20 tokens each with no words in common, so text of one inside the other shows.
const FIRST_ANSWER = [
  'Open',
  ' the',
  ' sign-in',
  ' page,',
  ' select',
  ' **Forgot',
  ' password**,',
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
  ' soon',
  ' [1].',
];
const SECOND_ANSWER = [
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
  ' that',
  ' arrives',
  ' first',
  ' [1].',
];
const TOKENS_BEFORE_PAUSE = 10;

/** The page's text of streamed tokens: the bold markers become <strong>, so they are not shown. */
const shown = (tokens: string[]) => tokens.join('').replaceAll('**', '');

interface StoredMessage {
  id: string;
  clientId: string;
  author: string;
  text: string;
}

/** What the page showed and announced, recorded inside it by {@link watchChat}. */
interface ChatLog {
  bubbleCounts: number[];
  busyBubbles: number;
  announcements: string[];
}

/**
 * Records, inside the page, the number of assistant bubbles after every change of the message list and
 * every text the screen-reader live region receives, so a test can check what was ever on screen
 * rather than sample it.
 */
async function watchChat(frame: Frame): Promise<void> {
  await frame.evaluate(() => {
    const log: ChatLog = { bubbleCounts: [], busyBubbles: 0, announcements: [] };
    Object.assign(window, { chatLog: log });
    const list = document.querySelector('.messages') as HTMLElement;
    new MutationObserver(() => {
      log.bubbleCounts.push(list.querySelectorAll('.message-bot').length);
      log.busyBubbles = Math.max(log.busyBubbles, list.querySelectorAll('.message-bot[aria-busy]').length);
    }).observe(list, { childList: true, subtree: true, characterData: true, attributes: true });
    const announcer = document.getElementById('announcer') as HTMLElement;
    new MutationObserver(() => {
      if (announcer.textContent) log.announcements.push(announcer.textContent);
    }).observe(announcer, { childList: true, subtree: true, characterData: true });
  });
}

/** Records every text the newest assistant bubble shows from now on (in `window.bubbleTexts`). */
async function watchNewestBubble(frame: Frame): Promise<void> {
  await frame.evaluate(() => {
    const bubbles = document.querySelectorAll('.message-bot');
    const bubble = bubbles[bubbles.length - 1] as HTMLElement;
    const texts: string[] = [];
    Object.assign(window, { bubbleTexts: texts });
    new MutationObserver(() => {
      const text = bubble.querySelector('.message-text')?.textContent ?? '';
      if (texts.at(-1) !== text) texts.push(text);
    }).observe(bubble, { childList: true, subtree: true, characterData: true });
  });
}

/** What {@link watchChat} saw since it started (or since the last call, with `reset`). */
async function chatLog(frame: Frame, reset = false): Promise<ChatLog> {
  return frame.evaluate((clear) => {
    const log = (window as unknown as { chatLog: ChatLog }).chatLog;
    const copy = structuredClone(log);
    if (clear) {
      log.bubbleCounts = [];
      log.busyBubbles = 0;
      log.announcements = [];
    }
    return copy;
  }, reset);
}

/** The learner's thread as the API stores it (not as the page shows it). */
async function storedMessages(frame: Frame): Promise<StoredMessage[]> {
  return frame.evaluate(async () => {
    const session = (window as unknown as { chatref: { api(path: string): Promise<Response> } }).chatref;
    const body = (await (await session.api('/api/chat')).json()) as { messages: StoredMessage[] };
    return body.messages;
  });
}

const botBubbles = (frame: Frame) => frame.locator('.message-bot');

async function ask(frame: Frame, question: string): Promise<void> {
  await frame.getByRole('textbox', { name: 'Message' }).fill(question);
  await frame.getByRole('button', { name: 'Send' }).click();
}

/** Waits until the newest assistant bubble is still streaming and shows exactly `text`. */
async function waitForStreamingBubble(frame: Frame, text: string): Promise<void> {
  await frame.waitForFunction((expected) => {
    const bubbles = document.querySelectorAll('.message-bot');
    const last = bubbles[bubbles.length - 1];
    return (
      last?.getAttribute('aria-busy') === 'true' &&
      last.querySelector('.message-text')?.textContent === expected
    );
  }, text);
}

/**
 * Waits until the answer to `question` is stored (read from the API) and the page shows it: the newest
 * assistant bubble no longer streaming, with the stored text and its feedback buttons.
 */
async function waitForStoredAnswer(frame: Frame, question: string): Promise<StoredMessage> {
  const answer = await eventually(async () => {
    const messages = await storedMessages(frame);
    const asked = messages.find((message) => message.author === 'learner' && message.text === question);
    return asked && messages.find((message) => message.clientId === `bot:${asked.clientId}`);
  }, `the stored answer to "${question}"`);
  await frame.waitForFunction(
    (text) => {
      const bubbles = document.querySelectorAll('.message-bot');
      const last = bubbles[bubbles.length - 1];
      return (
        last &&
        !last.hasAttribute('aria-busy') &&
        last.querySelector('.feedback') &&
        last.querySelector('.message-text')?.textContent === text
      );
    },
    answer.text.replaceAll('**', ''),
  );
  return answer;
}

describe('streamed answers in the learner chat, from a model that streams slowly', function () {
  this.timeout(120_000);
  const model = new FakeOpenAI();
  let app: TestApp;
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  let lmsUrl: string;

  before(async () => {
    await model.start();
    model.chunkDelayMs = 30;
    model.reply = (body) => {
      const messages = body.messages as { content: string }[];
      const question = String(messages.at(-1)?.content ?? '');
      return [...(/again/.test(question) ? SECOND_ANSWER : FIRST_ANSWER), '\nCONFIDENCE: 0.9'];
    };
    let tenantId: string;
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

  async function openChat(): Promise<{ page: Page; frame: Frame }> {
    const page = await browser.context.newPage();
    await page.goto(`${lmsUrl}/dev/lms`);
    await page.getByRole('button', { name: 'Launch as learner' }).click();
    const frame = await toolFrame(page, '/chat');
    await frame.getByRole('textbox', { name: 'Message' }).waitFor();
    // Connected before asking, so the page hears the answer's first token.
    await frame.waitForFunction(() => document.getElementById('connection')?.textContent);
    return { page, frame };
  }

  it('two answers: one growing bubble each, replaced in place by the stored answer, announced once', async () => {
    const { page, frame } = await openChat();
    await watchChat(frame);
    const before = await botBubbles(frame).count();
    const questions = [
      { text: 'How do I reset my password?', tokens: FIRST_ANSWER },
      { text: 'I forgot my password again, what now?', tokens: SECOND_ANSWER },
    ];
    const answers: string[] = [];
    for (const [asked, question] of questions.entries()) {
      const expected = before + asked + 1;
      model.rearmPause();
      model.pauseAfterChunks = TOKENS_BEFORE_PAUSE;
      await chatLog(frame, true);
      await ask(frame, question.text);

      // Mid-answer: one bubble for it, showing exactly the tokens streamed so far.
      await waitForStreamingBubble(frame, shown(question.tokens.slice(0, TOKENS_BEFORE_PAUSE)));
      expect(await botBubbles(frame).count(), 'bubbles mid-answer').to.equal(expected);
      expect((await chatLog(frame)).announcements, 'nothing announced mid-answer').to.deep.equal([]);
      if (process.env.SCREENSHOT_DIR && asked === 1)
        await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/chat-streaming-mid.png` });
      model.releaseStreams();

      const stored = await waitForStoredAnswer(frame, question.text);
      answers.push(stored.text);
      expect(stored.text).to.equal(question.tokens.join(''));
      const log = await chatLog(frame);
      expect(Math.max(...log.bubbleCounts), 'bubbles at any moment of the answer').to.equal(expected);
      expect(await botBubbles(frame).count(), 'bubbles after the answer').to.equal(expected);
      const bubble = botBubbles(frame).last();
      expect(await bubble.locator('.citations').textContent()).to.contain('Resetting your password');
      expect(await bubble.getByRole('button', { name: 'Helpful', exact: true }).count()).to.equal(1);
      await frame.waitForFunction(
        () => (window as unknown as { chatLog: ChatLog }).chatLog.announcements.length > 0,
      );
      expect((await chatLog(frame)).announcements, 'announced once, complete').to.deep.equal([
        `Assistant: ${stored.text}`,
      ]);
    }
    const [first = '', second = ''] = answers;
    expect(second).not.to.contain(first.slice(0, 20));
    for (const word of ['sign-in', 'email', 'follow']) expect(second).not.to.contain(word);
    if (process.env.SCREENSHOT_DIR)
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/chat-streaming-after.png` });
    await page.close();
  });

  it('a reload in the middle of an answer shows the stored answer, never half of the stream', async () => {
    const { page, frame } = await openChat();
    const question = 'How do I reset my password from home?';
    model.rearmPause();
    model.pauseAfterChunks = TOKENS_BEFORE_PAUSE;
    await ask(frame, question);
    await waitForStreamingBubble(frame, shown(FIRST_ANSWER.slice(0, TOKENS_BEFORE_PAUSE)));

    await reloadFrame(frame);
    await frame.locator('.message-learner', { hasText: question }).waitFor();
    const before = await botBubbles(frame).count();
    await watchChat(frame);
    model.releaseStreams();

    const stored = await waitForStoredAnswer(frame, question);
    const log = await chatLog(frame);
    expect(log.busyBubbles, 'no streaming bubble after the reload').to.equal(0);
    expect(Math.max(before, ...log.bubbleCounts)).to.equal(before + 1);
    expect(await botBubbles(frame).count()).to.equal(before + 1);
    expect(await botBubbles(frame).last().locator('.message-text').textContent()).to.equal(
      stored.text.replaceAll('**', ''),
    );
    await page.close();
  });

  it('a live connection lost mid-answer ends with the stored answer, never an answer with a hole in it', async () => {
    const { page, frame } = await openChat();
    const question = 'How do I reset my password on a phone?';
    const before = await botBubbles(frame).count();
    model.rearmPause();
    model.pauseAfterChunks = TOKENS_BEFORE_PAUSE;
    await ask(frame, question);
    await waitForStreamingBubble(frame, shown(FIRST_ANSWER.slice(0, TOKENS_BEFORE_PAUSE)));
    await watchNewestBubble(frame);

    // The live connection drops and the page's reconnection is held while five more tokens go out; the
    // page comes back for the last five, so it has seen the start and the end of the stream, not the middle.
    let letReconnect = () => {};
    const reconnectHeld = new Promise<void>((resolve) => {
      letReconnect = resolve;
    });
    await page.route('**/api/chat/events', async (route) => {
      await reconnectHeld;
      await route.continue();
    });
    app.server.closeAllConnections();
    await frame.locator('#connection').filter({ hasText: 'Reconnecting' }).waitFor({ state: 'attached' });
    model.releaseStreams();
    model.rearmPause();
    model.pauseAfterChunks = TOKENS_BEFORE_PAUSE + 5;
    await model.paused();
    letReconnect();
    await frame.locator('#connection').filter({ hasText: 'Connected' }).waitFor({ state: 'attached' });
    model.releaseStreams();

    const stored = await waitForStoredAnswer(frame, question);
    const final = stored.text.replaceAll('**', '');
    const texts = await frame.evaluate(() => (window as unknown as { bubbleTexts: string[] }).bubbleTexts);
    for (const text of texts)
      expect(final.startsWith(text), `"${text}" is not how the answer begins`).to.equal(true);
    expect(texts.at(-1)).to.equal(final);
    expect(await botBubbles(frame).count()).to.equal(before + 1);
    await page.close();
  });

  // Last: the thread stays with a person afterwards, so the bot answers nothing more in it.
  it('an answer a person takes over from is taken off the page, not left half written', async () => {
    const { page, frame } = await openChat();
    const question = 'How do I reset my password at school?';
    const partial = shown(FIRST_ANSWER.slice(0, TOKENS_BEFORE_PAUSE));
    // Earlier answers in the thread say the same: count this one's text on top of theirs.
    const earlier = await frame.locator('.message-bot', { hasText: partial }).count();
    model.rearmPause();
    model.pauseAfterChunks = TOKENS_BEFORE_PAUSE;
    await ask(frame, question);
    await waitForStreamingBubble(frame, partial);

    // The learner asks for a person and an admin takes the thread while the answer is still being written.
    await frame.getByRole('button', { name: 'Talk to a person' }).click();
    await frame.locator('#conversation-status').filter({ hasText: 'Waiting for the support team' }).waitFor();
    const conversationId = await frame.evaluate(async () => {
      const session = (window as unknown as { chatref: { api(path: string): Promise<Response> } }).chatref;
      return ((await (await session.api('/api/chat')).json()) as { conversation: { id: string } })
        .conversation.id;
    });
    const adminPage = await browser.context.newPage();
    await adminPage.goto(`${lmsUrl}/dev/lms`);
    await adminPage.getByRole('button', { name: 'Launch as admin' }).click();
    const inbox = await toolFrame(adminPage, '/inbox');
    await inbox.waitForFunction(() => 'chatref' in window);
    const claimed = await inbox.evaluate(async (id) => {
      const session = (
        window as unknown as { chatref: { api(path: string, init?: RequestInit): Promise<Response> } }
      ).chatref;
      return (await session.api(`/api/inbox/conversations/${id}/claim`, { method: 'POST' })).status;
    }, conversationId);
    expect(claimed).to.equal(200);
    await frame.locator('#conversation-status').filter({ hasText: 'A person from support' }).waitFor();

    model.releaseStreams();
    // The bot stays silent once a person owns the thread: its answer is not stored, and its stream goes.
    await frame.waitForFunction(() => !document.querySelector('.message-bot[aria-busy]'));
    expect(await frame.locator('.message-bot', { hasText: partial }).count()).to.equal(earlier);
    const messages = await storedMessages(frame);
    const asked = messages.find((message) => message.text === question);
    expect(messages.some((message) => message.clientId === `bot:${asked?.clientId}`)).to.equal(false);
    await adminPage.close();
    await page.close();
  });
});
