// The learner chat: history, sending with retries that never duplicate (client ids), streamed bot
// answers, citations, feedback, "Talk to a person", and live updates over Server-Sent Events read with
// fetch (so the session travels in a header, not the URL), resuming from the last event id.
(() => {
  const root = document.getElementById('chat');
  if (!root || !window.chatref) return;
  const t = JSON.parse(document.getElementById('ui-messages').textContent);
  const list = root.querySelector('.messages');
  const form = document.getElementById('composer');
  const input = document.getElementById('message');
  const announcer = document.getElementById('announcer');
  const statusBar = document.getElementById('conversation-status');
  const typing = document.getElementById('typing');
  const handoffButton = document.getElementById('talk-to-person');
  const connection = document.getElementById('connection');
  const api = window.chatref.api;

  const rendered = new Map(); // message id or client id -> <li>
  let lastEventId = null;
  let conversation = null;

  const newClientId = () =>
    crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;

  function announce(text) {
    // Replace the text so screen readers read each new message once.
    announcer.textContent = '';
    window.setTimeout(() => {
      announcer.textContent = text;
    }, 50);
  }

  function authorLabel(author) {
    return { learner: t.you, bot: t.assistant, admin: t.support, system: t.system }[author] || author;
  }

  function renderCitations(container, citations) {
    if (!citations || citations.length === 0) return;
    const details = document.createElement('div');
    details.className = 'citations';
    const heading = document.createElement('p');
    heading.className = 'citations-title';
    heading.textContent = t.sources;
    const items = document.createElement('ol');
    for (const citation of citations) {
      const item = document.createElement('li');
      item.value = citation.index;
      const label = citation.heading ? `${citation.title} — ${citation.heading}` : citation.title;
      if (citation.url) {
        const link = document.createElement('a');
        link.href = citation.url;
        link.target = '_blank';
        link.rel = 'noopener noreferrer';
        link.textContent = label;
        item.append(link);
      } else {
        item.textContent = label;
      }
      items.append(item);
    }
    details.append(heading, items);
    container.append(details);
  }

  // Drawn, not emoji: emoji fonts are missing on many school machines.
  function thumbIcon(down) {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('width', '16');
    svg.setAttribute('height', '16');
    svg.setAttribute('aria-hidden', 'true');
    const path = document.createElementNS(ns, 'path');
    path.setAttribute(
      'd',
      'M2 10h4v11H2zM8 21h9.5a2 2 0 0 0 2-1.6l1.4-7A2 2 0 0 0 19 10h-5.5l.9-4.4A1.5 1.5 0 0 0 13 4h-.3L8 9.5z',
    );
    path.setAttribute('fill', 'currentColor');
    if (down) svg.setAttribute('transform', 'rotate(180)');
    svg.append(path);
    return svg;
  }

  // Answers may carry **bold** from the documents; build it with DOM nodes, never HTML strings.
  function renderText(element, text) {
    element.replaceChildren();
    const parts = text.split(/(\*\*[^*\n]+\*\*)/g);
    for (const part of parts) {
      if (part.startsWith('**') && part.endsWith('**') && part.length > 4) {
        const strong = document.createElement('strong');
        strong.textContent = part.slice(2, -2);
        element.append(strong);
      } else if (part) {
        element.append(document.createTextNode(part));
      }
    }
  }

  function renderFeedback(container, message) {
    const group = document.createElement('div');
    group.className = 'feedback';
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', `${t.helpful}?`);
    for (const [value, label] of [
      ['up', t.helpful],
      ['down', t.notHelpful],
    ]) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'feedback-button';
      button.setAttribute('aria-label', label);
      button.setAttribute('aria-pressed', String(message.feedback === value));
      button.append(thumbIcon(value === 'down'));
      button.addEventListener('click', async () => {
        const response = await api(`/api/chat/messages/${encodeURIComponent(message.id)}/feedback`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ value }),
        });
        if (response.ok) {
          for (const other of group.querySelectorAll('button')) other.setAttribute('aria-pressed', 'false');
          button.setAttribute('aria-pressed', 'true');
          announce(t.thanksFeedback);
        }
      });
      group.append(button);
    }
    container.append(group);
  }

  /** Adds or updates one message; `message.id` or `message.clientId` identifies it. */
  function renderMessage(message, options = {}) {
    const key = message.id || message.clientId;
    let item = rendered.get(key) || (message.clientId && rendered.get(message.clientId));
    const isNew = !item;
    if (!item) {
      item = document.createElement('li');
      list.append(item);
    }
    if (message.id) rendered.set(message.id, item);
    if (message.clientId) rendered.set(message.clientId, item);
    item.className = `message message-${message.author}`;
    item.dataset.author = message.author;
    item.replaceChildren();
    const who = document.createElement('p');
    who.className = 'message-author';
    who.textContent = authorLabel(message.author);
    const body = document.createElement('p');
    body.className = 'message-text';
    renderText(body, message.text);
    item.append(who, body);
    if (message.author === 'bot' || message.author === 'admin') renderCitations(item, message.citations);
    // Feedback belongs to answers (they carry a confidence), not to the bot's notices.
    if (
      message.author === 'bot' &&
      message.id &&
      !message.streaming &&
      typeof message.confidence === 'number'
    ) {
      renderFeedback(item, message);
    }
    if (message.author === 'learner' && options.status) {
      const status = document.createElement('p');
      status.className = 'message-status';
      if (options.status === 'failed') {
        const retry = document.createElement('button');
        retry.type = 'button';
        retry.className = 'link-button';
        retry.textContent = t.failed;
        retry.addEventListener('click', () => send(message.text, message.clientId));
        status.append(retry);
      } else {
        status.textContent = options.status === 'sending' ? t.sending : t.sent;
      }
      item.append(status);
    }
    if (message.streaming) item.setAttribute('aria-busy', 'true');
    else item.removeAttribute('aria-busy');
    const empty = root.querySelector('.empty-state');
    if (empty) empty.remove();
    if (isNew || !message.streaming) item.scrollIntoView({ block: 'end' });
    if (!options.silent && !message.streaming && message.author !== 'learner') {
      announce(`${authorLabel(message.author)}: ${message.text}`);
    }
    return item;
  }

  function showConversation(next) {
    conversation = next;
    const text =
      next?.status === 'waiting'
        ? `${t.waitingForPerson}${next.replyByText ? ` — ${next.replyByText}` : ''}`
        : next?.status === 'assigned'
          ? t.withPerson
          : next?.status === 'resolved'
            ? t.resolved
            : '';
    statusBar.textContent = text;
    statusBar.hidden = !text;
  }

  async function send(text, clientId = newClientId()) {
    renderMessage({ author: 'learner', text, clientId }, { status: 'sending' });
    try {
      // A quick learner can send before the thread has loaded: wait for it rather than fail.
      await ready;
      const response = await api('/api/chat/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ conversationId: conversation?.id, clientId, text }),
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body?.error?.message || response.statusText);
      renderMessage({ ...body.message, clientId }, { status: 'sent', silent: true });
      if (body.conversation) showConversation(body.conversation);
    } catch (error) {
      renderMessage({ author: 'learner', text, clientId }, { status: 'failed' });
      announce(error.message || t.failed);
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    if (text.length > 4000) {
      announce(t.tooLong);
      return;
    }
    input.value = '';
    void send(text);
  });
  input.addEventListener('keydown', (event) => {
    // Enter sends, Shift+Enter adds a line (the usual chat convention).
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  handoffButton.addEventListener('click', async () => {
    handoffButton.disabled = true;
    try {
      await ready;
      const response = await api('/api/chat/handoff', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ conversationId: conversation?.id }),
      });
      const body = await response.json().catch(() => ({}));
      if (body.conversation) showConversation(body.conversation);
      if (!response.ok) announce(body?.error?.message || t.failed);
    } finally {
      handoffButton.disabled = false;
    }
  });

  // Streaming: tokens arrive as transient events and grow a bubble until the stored message replaces it.
  const streams = new Map();
  function onToken(data) {
    let stream = streams.get(data.messageId);
    if (!stream) {
      stream = { text: '' };
      streams.set(data.messageId, stream);
    }
    stream.text += data.text;
    typing.hidden = true;
    renderMessage(
      { id: data.messageId, author: 'bot', text: stream.text, streaming: true },
      { silent: true },
    );
  }

  function onEvent(type, data) {
    if (type === 'message') {
      streams.delete(data.message.id);
      typing.hidden = true;
      renderMessage(data.message, data.message.author === 'learner' ? { status: 'sent', silent: true } : {});
    } else if (type === 'conversation') {
      showConversation(data.conversation);
    } else if (type === 'token') {
      onToken(data);
    } else if (type === 'typing') {
      typing.textContent = data.author === 'admin' ? t.staffTyping : t.typing;
      typing.hidden = !data.active;
    }
  }

  function listen() {
    window.chatref.liveEvents(
      '/api/chat/events',
      onEvent,
      (status) => {
        connection.textContent = status === 'connected' ? t.connected : t.reconnecting;
      },
      { lastEventId },
    );
  }

  async function start() {
    let response = await api('/api/chat');
    for (let attempt = 1; !response.ok && response.status >= 500 && attempt < 4; attempt++) {
      await new Promise((resolve) => window.setTimeout(resolve, 500 * attempt));
      response = await api('/api/chat');
    }
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      announce(body?.error?.message || t.failed);
      return;
    }
    const body = await response.json();
    lastEventId = body.lastEventId || null;
    showConversation(body.conversation);
    for (const message of body.messages)
      renderMessage(message, { silent: true, status: message.author === 'learner' ? 'sent' : undefined });
    listen();
  }

  const ready = start();
})();
