// @ts-check
// Sending: the composer (Enter sends, Shift+Enter adds a line, the length limit shown near the box), sends
// with retries that never duplicate (client ids), and "Talk to a person".
import { newClientId } from '../common/dom.js';
import { showLengthLimit } from '../common/length-limit.js';
import { announce, chat, postJson, showConversation, t, ui } from './page.js';
import { renderMessage } from './transcript.js';

/** Answers worth another try with the same client id: the service restarting or a gateway between. */
const RETRYABLE = new Set([502, 503, 504]);
/** How long a message keeps being tried before the page shows "Not sent. Retry". */
const RETRY_FOR_MS = 60_000;

/** @param {number} ms */
const pause = (ms) => new Promise((resolve) => window.setTimeout(resolve, ms));

/**
 * Posts a message, trying again with the same client id (never a duplicate) while the service is
 * briefly unreachable (a restart: 503, a gateway error, the connection dropped), for up to a minute.
 * @param {Record<string, unknown>} body
 */
async function postWithRetries(body) {
  const giveUpAt = Date.now() + RETRY_FOR_MS;
  for (let delay = 1000; ; delay = Math.min(delay * 2, 8000)) {
    /** @type {Response | undefined} */
    let response;
    try {
      response = await postJson('/api/chat/messages', body);
    } catch (error) {
      if (Date.now() + delay > giveUpAt) throw error;
    }
    if (response && !(RETRYABLE.has(response.status) && Date.now() + delay <= giveUpAt)) return response;
    await pause(delay);
  }
}

/**
 * @param {string} text
 * @param {string} [clientId]
 */
export async function send(text, clientId = newClientId()) {
  renderMessage({ author: 'learner', text, clientId }, { status: 'sending' });
  try {
    // A quick learner can send before the thread has loaded: wait for it rather than fail.
    await chat.ready;
    const response = await postWithRetries({ conversationId: chat.conversation?.id, clientId, text });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body?.error?.message || response.statusText);
    renderMessage({ ...body.message, clientId }, { status: 'sent', silent: true });
    if (body.conversation) showConversation(body.conversation);
  } catch (error) {
    renderMessage({ author: 'learner', text, clientId }, { status: 'failed' });
    announce((error instanceof Error && error.message) || t.failed);
  }
}

/** Wires the composer and the "Talk to a person" button. */
export function wireComposer() {
  const updateCounter = showLengthLimit(ui.input);
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = ui.input.value.trim();
    if (!text) return;
    if (text.length > ui.input.maxLength && ui.input.maxLength > 0) {
      announce(t.tooLong);
      return;
    }
    ui.input.value = '';
    updateCounter();
    void send(text);
  });
  ui.input.addEventListener('keydown', (event) => {
    // Enter sends, Shift+Enter adds a line (the usual chat convention).
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      ui.form.requestSubmit();
    }
  });

  ui.handoffButton.addEventListener('click', async () => {
    ui.handoffButton.disabled = true;
    try {
      await chat.ready;
      const response = await postJson('/api/chat/handoff', { conversationId: chat.conversation?.id });
      const body = await response.json().catch(() => ({}));
      if (body.conversation) showConversation(body.conversation);
      if (!response.ok) announce(body?.error?.message || t.failed);
    } finally {
      ui.handoffButton.disabled = false;
    }
  });
}
