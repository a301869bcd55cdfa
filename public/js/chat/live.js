// @ts-check
// Live updates over Server-Sent Events (frames declared in src/live/frames.ts), resuming from the last
// event id: stored messages, status changes, streamed tokens, typing.
import { liveEvents } from '../common/session.js';
import { chat, showConversation, t, ui } from './page.js';
import { renderMessage } from './transcript.js';

/** @typedef {import('../../../src/live/frames.js').TokenFrame['data']} Token */
/** @typedef {import('./page.js').MessageView} MessageView */

// Streamed answers: one bubble per stream, grown token by token under the stream id, which is the
// client id the stored answer will carry, so the stored answer replaces the bubble in place.
/** @type {Map<string, { text: string, next: number, missed: boolean }>} */
const streams = new Map();
/** Streams whose stored answer is shown, or that will have none: late tokens for them are ignored. */
const finished = new Set();

/**
 * A stored answer the page drew from the history: its stream, if still running, is not shown again.
 * @param {string} clientId
 */
export function markFinished(clientId) {
  finished.add(clientId);
}

/** @param {Token} token */
function onToken({ streamId, index, text }) {
  if (finished.has(streamId)) return;
  let stream = streams.get(streamId);
  if (!stream) {
    stream = { text: '', next: 0, missed: false };
    streams.set(streamId, stream);
  }
  if (stream.missed || index < stream.next) return;
  if (index > stream.next) {
    // Tokens were lost (the page connected or reconnected mid-answer): rather than show an answer with
    // a hole in it, keep what is shown and wait for the stored answer.
    stream.missed = true;
    ui.typing.hidden = false;
    return;
  }
  stream.text += text;
  stream.next += 1;
  ui.typing.hidden = true;
  renderMessage({ clientId: streamId, author: 'bot', text: stream.text, streaming: true }, { silent: true });
}

/** @param {MessageView} message */
function onStoredMessage(message) {
  // Announced once: when a line first appears complete (a streamed answer only when it is stored).
  const alreadyShown = chat.rendered.has(message.id);
  if (message.author === 'learner') {
    renderMessage(message, { status: 'sent', silent: true });
    return;
  }
  finished.add(message.clientId);
  streams.delete(message.clientId);
  ui.typing.hidden = true;
  renderMessage(message, { silent: alreadyShown });
}

/** @param {string} streamId */
function onStreamCancelled(streamId) {
  if (finished.has(streamId)) return;
  finished.add(streamId);
  streams.delete(streamId);
  chat.rendered.get(streamId)?.remove();
  chat.rendered.delete(streamId);
}

export function listen() {
  liveEvents(
    '/api/chat/events',
    (type, data) => {
      if (type === 'message') onStoredMessage(data.message);
      else if (type === 'conversation') showConversation(data.conversation);
      else if (type === 'token') onToken(data);
      else if (type === 'stream-cancelled') onStreamCancelled(data.streamId);
      else if (type === 'typing') {
        ui.typing.textContent = t.typing;
        ui.typing.hidden = !data.active;
      }
    },
    (status) => {
      ui.connection.textContent = status === 'connected' ? t.connected : t.reconnecting;
    },
    { lastEventId: chat.lastEventId },
  );
}
