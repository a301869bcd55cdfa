// @ts-check
// The chat page's elements, its strings (the launch locale's catalog, rendered by the server) and the
// state its panels share: the thread's status and the lines on screen.

/** @typedef {import('../../../src/conversations/conversation.views.js').MessageView} MessageView */
/** @typedef {import('../../../src/live/frames.js').ChatConversationFrame['data']['conversation']} StatusChange */
/**
 * A line as the page shows it: a stored message, the learner's own line before it is stored, or an answer
 * still streaming (keyed by its stream id, the client id its stored version will carry).
 * @typedef {Partial<MessageView> & { author: MessageView['author'], text: string, streaming?: boolean }} ShownMessage
 */

import { pageData } from '../common/dom.js';
import { api } from '../common/session.js';

export const root = document.getElementById('chat');

/** @type {Record<string, string>} */
export const t = pageData('ui-messages', {});

export const ui = {
  list: /** @type {HTMLOListElement} */ (root?.querySelector('.messages')),
  emptyState: root?.querySelector('.empty-state'),
  form: /** @type {HTMLFormElement} */ (document.getElementById('composer')),
  input: /** @type {HTMLTextAreaElement} */ (document.getElementById('message')),
  announcer: /** @type {HTMLElement} */ (document.getElementById('announcer')),
  statusBar: /** @type {HTMLElement} */ (document.getElementById('conversation-status')),
  typing: /** @type {HTMLElement} */ (document.getElementById('typing')),
  handoffButton: /** @type {HTMLButtonElement} */ (document.getElementById('talk-to-person')),
  connection: /** @type {HTMLElement} */ (document.getElementById('connection')),
};

export const chat = {
  /** @type {Map<string, HTMLLIElement>} message id or client id -> its line */
  rendered: new Map(),
  /** @type {string | null} */
  lastEventId: null,
  /** @type {(StatusChange & { replyByText?: string }) | null} */
  conversation: null,
  /**
   * Settles once the thread and its history are on screen (a quick learner may send before: the message
   * waits for it rather than fail).
   * @type {Promise<void>}
   */
  ready: Promise.resolve(),
};

/** @param {string} text */
export function announce(text) {
  // Replace the text so screen readers read each new message once.
  ui.announcer.textContent = '';
  window.setTimeout(() => {
    ui.announcer.textContent = text;
  }, 50);
}

/** @param {string} author */
export function authorLabel(author) {
  return { learner: t.you, bot: t.assistant, admin: t.support, system: t.system }[author] || author;
}

/** @param {(StatusChange & { replyByText?: string }) | null} next */
export function showConversation(next) {
  chat.conversation = next;
  const text =
    next?.status === 'waiting'
      ? `${t.waitingForPerson}${next.replyByText ? ` — ${next.replyByText}` : ''}`
      : next?.status === 'assigned'
        ? t.withPerson
        : next?.status === 'resolved'
          ? t.resolved
          : '';
  ui.statusBar.textContent = text;
  ui.statusBar.hidden = !text;
}

/**
 * POSTs JSON with the session header.
 * @param {string} path
 * @param {unknown} body
 */
export function postJson(path, body) {
  return api(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}
