// @ts-check
// Live updates for the inbox (frames declared in src/live/frames.ts): list items, messages of the open
// thread, presence; and the clock that keeps countdowns and overdue styling current.
import { liveEvents } from '../common/session.js';
import { fillReplyBy, fillSla, statusText } from './format.js';
import { authorOf, renderMessage } from './history.js';
import { loadList } from './list.js';
import { onItem } from './list-live.js';
import { announceThread, me, state, ui } from './page.js';
import { renderPresence } from './presence.js';
import { refreshThreadSoon } from './thread.js';

/** @param {import('../../../src/live/frames.js').InboxMessageFrame['data']['message']} message */
function onMessage(message) {
  if (state.current?.id !== message.conversationId) return;
  const known = state.rendered.has(message.id) || state.rendered.has(message.clientId);
  renderMessage(message);
  if (!known && message.authorId !== me.userId) {
    const prefix = message.internal || message.kind === 'note' ? 'Internal note from ' : '';
    announceThread(`${prefix}${authorOf(message)}: ${message.text}`);
  }
}

export function followLiveUpdates() {
  let connectedOnce = false;
  liveEvents(
    '/api/inbox/events',
    (type, data) => {
      if (type === 'conversation' && data.item) onItem(data.item);
      else if (type === 'message' && data.message) onMessage(data.message);
      else if (type === 'presence' && state.current?.id === data.conversationId) {
        state.current.viewers = data.viewers || [];
        state.current.typing = data.typing || [];
        renderPresence();
      }
    },
    (status) => {
      ui.connection.textContent = status === 'connected' ? '' : 'Live updates paused. Reconnecting…';
      if (status === 'connected') {
        // Anything missed while disconnected: read the list (and thread) again.
        if (connectedOnce) {
          void loadList();
          if (state.current) refreshThreadSoon();
        }
        connectedOnce = true;
      }
    },
  );
}

/** Countdowns and overdue styling follow the clock (state changes themselves arrive as live items). */
export function tickClock() {
  window.setInterval(() => {
    for (const node of ui.list.querySelectorAll('time.item-reply-by'))
      if (node instanceof HTMLTimeElement) fillReplyBy(node, node.dateTime);
    for (const entry of state.items.values())
      if (entry.sla && entry.item.status !== 'resolved') fillSla(entry.sla, entry.item.sla);
    if (state.current) ui.threadStatus.textContent = statusText(state.current.conversation);
  }, 15_000);
}
