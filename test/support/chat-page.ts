import type { Frame, Page, Request } from 'playwright-core';
import type { TestApp } from './app.js';
import { openBrowser, toolFrame } from './browser.js';
import { addPasswordHelpArticle, startAppWithDevLms } from './dev-lms-app.js';
import { eventually } from './eventually.js';
import type { FakeOpenAI } from './openai-fake.js';

/**
 * The learner chat in Chromium inside the development LMS page: launching it, asking, and waiting for
 * what the page shows of a streamed answer (public/js/chat/).
 */

/** A model reply as its stream chunks: each word with the space before it. */
export const streamChunks = (text: string): string[] => text.split(/(?= )/);

/** Launches the tool from the LMS page as its learner; the tool's frame once it shows the chat. */
export async function launchChat(page: Page, lmsUrl: string): Promise<Frame> {
  await page.goto(`${lmsUrl}/dev/lms`);
  await page.getByRole('button', { name: 'Launch as learner' }).click();
  return toolFrame(page, '/chat');
}

export interface ChatWithModel {
  app: TestApp;
  lmsUrl: string;
  tenantId: string;
  browser: Awaited<ReturnType<typeof openBrowser>>;
}

/**
 * Mocha hooks for a suite whose chat answers come from `model` (configure its replies in the suite):
 * before, the model, the tool with the LMS as another site, the password help article and a browser that
 * blocks third-party cookies; after each test, no pause and no held stream; after, everything stopped.
 * The returned object is filled in by the `before` hook.
 */
export function useChatWithModel(model: FakeOpenAI): ChatWithModel {
  const chat = {} as ChatWithModel;
  before(async () => {
    await model.start();
    Object.assign(chat, await startAppWithDevLms({ OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: model.url }));
    await addPasswordHelpArticle(chat.app, chat.tenantId);
    chat.browser = await openBrowser({ blockThirdPartyCookies: true });
  });
  afterEach(() => {
    model.pauseAfterChunks = undefined;
    model.releaseStreams();
  });
  after(async () => {
    model.releaseStreams();
    await chat.browser?.close();
    await chat.app?.stop();
    await model.stop();
  });
  return chat;
}

/**
 * A new tab with the chat launched in it, ready to ask: connected, so the page hears the answer's first
 * token. `liveRequests` collects every request the page makes for its live channel.
 */
export async function openChatPage(
  chat: ChatWithModel,
): Promise<{ page: Page; frame: Frame; liveRequests: Request[] }> {
  const page = await chat.browser.context.newPage();
  const liveRequests: Request[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/api/chat/events') liveRequests.push(request);
  });
  const frame = await launchChat(page, chat.lmsUrl);
  await frame.getByRole('textbox', { name: 'Message' }).waitFor();
  await frame.locator('#connection').filter({ hasText: 'Connected' }).waitFor({ state: 'attached' });
  return { page, frame, liveRequests };
}

export async function ask(frame: Frame, question: string): Promise<void> {
  await frame.getByRole('textbox', { name: 'Message' }).fill(question);
  await frame.getByRole('button', { name: 'Send' }).click();
}

export interface StoredMessage {
  id: string;
  clientId: string;
  author: string;
  text: string;
}

/** The learner's thread as the API stores it (not as the page shows it). */
export async function storedThread(
  frame: Frame,
): Promise<{ conversationId: string; messages: StoredMessage[] }> {
  return frame.evaluate(async () => {
    const session = (window as unknown as { chatref: { api(path: string): Promise<Response> } }).chatref;
    const body = (await (await session.api('/api/chat')).json()) as {
      conversation: { id: string };
      messages: StoredMessage[];
    };
    return { conversationId: body.conversation.id, messages: body.messages };
  });
}

/** Waits until the newest assistant bubble is still streaming and shows exactly `text`. */
export async function waitForStreamingBubble(frame: Frame, text: string): Promise<void> {
  await frame.waitForFunction((expected) => {
    const bubbles = document.querySelectorAll('.message-bot');
    const last = bubbles[bubbles.length - 1];
    return (
      last?.getAttribute('aria-busy') === 'true' &&
      last.querySelector('.message-text')?.textContent === expected
    );
  }, text);
}

/** Waits until the answer to `question` is stored (read from the API); returns it. */
export function storedAnswer(frame: Frame, question: string): Promise<StoredMessage> {
  return eventually(async () => {
    const { messages } = await storedThread(frame);
    const asked = messages.find((message) => message.author === 'learner' && message.text === question);
    return asked && messages.find((message) => message.clientId === `bot:${asked.clientId}`);
  }, `the stored answer to "${question}"`);
}

/** Waits until the newest assistant bubble is a stored answer showing `text`: not streaming, with feedback. */
export async function waitForStoredBubble(frame: Frame, text: string): Promise<void> {
  await frame.waitForFunction((expected) => {
    const bubbles = document.querySelectorAll('.message-bot');
    const last = bubbles[bubbles.length - 1];
    return (
      last &&
      !last.hasAttribute('aria-busy') &&
      last.querySelector('.feedback') &&
      last.querySelector('.message-text')?.textContent === expected
    );
  }, text);
}

/** What the page showed and announced, recorded inside it by {@link watchChat}. */
export interface ChatLog {
  /** Assistant bubbles after every change of the message list. */
  bubbleCounts: number[];
  /** The most assistant bubbles streaming at once. */
  busyBubbles: number;
  /** Every text the screen-reader live region received. */
  announcements: string[];
}

/**
 * Records, inside the page, the number of assistant bubbles after every change of the message list and
 * every text the screen-reader live region receives, so a test can check what was ever on screen
 * rather than sample it.
 */
export async function watchChat(frame: Frame): Promise<void> {
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

/** What {@link watchChat} saw since it started (or since the last call, with `reset`). */
export async function chatLog(frame: Frame, reset = false): Promise<ChatLog> {
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

/** Waits until {@link watchChat} has recorded an announcement; returns them all. */
export async function announcements(frame: Frame): Promise<string[]> {
  await frame.waitForFunction(
    () => (window as unknown as { chatLog: ChatLog }).chatLog.announcements.length > 0,
  );
  return (await chatLog(frame)).announcements;
}
