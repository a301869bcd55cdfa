import { expect } from 'chai';
import type { Frame } from 'playwright-core';
import { reloadFrame, toolFrame } from '../support/browser.js';
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
import { FakeOpenAI } from '../support/openai-fake.js';

// Two answers of 20 tokens each with no words in common, so text of one inside the other shows.
const FIRST_ANSWER = streamChunks(
  'Open the sign-in page, select **Forgot password**, type your email address and follow the link we send you soon [1].',
);
const SECOND_ANSWER = streamChunks(
  'Request another reset message: older links expire after an hour, so always use the newest one that arrives first [1].',
);
const TOKENS_BEFORE_PAUSE = 10;

/** The page's text of streamed tokens: the bold markers become <strong>, so they are not shown. */
const shown = (tokens: string[]) => tokens.join('').replaceAll('**', '');

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

const botBubbles = (frame: Frame) => frame.locator('.message-bot');

/**
 * Waits until the answer to `question` is stored (read from the API) and the page shows it: the newest
 * assistant bubble no longer streaming, with the stored text and its feedback buttons.
 */
async function waitForStoredAnswer(frame: Frame, question: string) {
  const answer = await storedAnswer(frame, question);
  await waitForStoredBubble(frame, answer.text.replaceAll('**', ''));
  return answer;
}

describe('streamed answers in the learner chat, from a model that streams slowly', function () {
  this.timeout(120_000);
  const model = new FakeOpenAI();
  model.chunkDelayMs = 30;
  model.reply = (body) => {
    const messages = body.messages as { content: string }[];
    const question = String(messages.at(-1)?.content ?? '');
    return [...(/again/.test(question) ? SECOND_ANSWER : FIRST_ANSWER), '\nCONFIDENCE: 0.9'];
  };
  const chat = useChatWithModel(model);

  it('two answers: one growing bubble each, replaced in place by the stored answer, announced once', async () => {
    const { page, frame } = await openChatPage(chat);
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
      expect(await announcements(frame), 'announced once, complete').to.deep.equal([
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
    const { page, frame } = await openChatPage(chat);
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
    const { page, frame } = await openChatPage(chat);
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
    chat.app.server.closeAllConnections();
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
    const { page, frame } = await openChatPage(chat);
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
    const { conversationId } = await storedThread(frame);
    const adminPage = await chat.browser.context.newPage();
    await adminPage.goto(`${chat.lmsUrl}/dev/lms`);
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
    const { messages } = await storedThread(frame);
    const asked = messages.find((message) => message.text === question);
    expect(messages.some((message) => message.clientId === `bot:${asked?.clientId}`)).to.equal(false);
    await adminPage.close();
    await page.close();
  });
});
