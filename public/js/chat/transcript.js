// @ts-check
// The transcript: each line (learner, assistant, support, updates) with its sources, feedback, sending
// state and, under the bot's offer, the lead card; a stored answer replaces the bubble its stream grew.
import { renderSectionAnswer, renderText, splitAnswer } from './answer-text.js';
import { send } from './composer.js';
import { renderFeedback } from './feedback.js';
import { offerLeadCard } from './lead-card.js';
import { announce, authorLabel, chat, t, ui } from './page.js';

/** @typedef {import('./page.js').MessageView} MessageView */
/** @typedef {import('./page.js').ShownMessage} ShownMessage */

/**
 * @param {HTMLElement} container
 * @param {MessageView['citations'] | undefined} citations
 */
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
    // A document ingested from a web page links to it (its path is its address); only http(s) addresses
    // become links, as in the inbox, so a stored `javascript:` URL stays text.
    const href = [citation.url, citation.path].find((value) => /^https?:\/\//i.test(value ?? '')) ?? '';
    if (href) {
      const link = document.createElement('a');
      link.href = href;
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

/**
 * Adds or updates one line; `message.id` or `message.clientId` identifies it, so a stored answer
 * replaces the bubble its stream grew.
 * @param {ShownMessage} message
 * @param {{ status?: 'sending' | 'sent' | 'failed', silent?: boolean }} [options]
 */
export function renderMessage(message, options = {}) {
  let item =
    (message.id && chat.rendered.get(message.id)) ||
    (message.clientId && chat.rendered.get(message.clientId));
  const isNew = !item;
  if (!item) {
    item = document.createElement('li');
    ui.list.append(item);
  }
  if (message.id) chat.rendered.set(message.id, item);
  if (message.clientId) chat.rendered.set(message.clientId, item);
  item.className = `message message-${message.author}`;
  item.dataset.author = message.author;
  if (message.author === 'bot' && message.clientId?.startsWith('lead:')) item.dataset.leadOffer = 'true';
  item.replaceChildren();
  const who = document.createElement('p');
  who.className = 'message-author';
  who.textContent = authorLabel(message.author);
  const body = document.createElement('p');
  body.className = 'message-text';
  const parts = message.author === 'bot' ? splitAnswer(message.text) : { shown: message.text };
  item.append(who, body);
  const key = message.id || message.clientId;
  if (parts.section && key) renderSectionAnswer(body, { shown: parts.shown, section: parts.section }, key);
  else renderText(body, message.text);
  if (message.author === 'bot' || message.author === 'admin') renderCitations(item, message.citations);
  // Feedback belongs to answers (they carry a confidence), not to the bot's notices.
  const { id } = message;
  if (message.author === 'bot' && id && !message.streaming && typeof message.confidence === 'number') {
    renderFeedback(item, { ...message, id });
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
  if (message.author === 'bot' && !message.streaming && message.clientId?.startsWith('lead:'))
    void offerLeadCard(item, Boolean(options.silent));
  if (message.streaming) item.setAttribute('aria-busy', 'true');
  else item.removeAttribute('aria-busy');
  ui.emptyState?.remove();
  if (isNew || !message.streaming) item.scrollIntoView({ block: 'end' });
  if (!options.silent && !message.streaming && message.author !== 'learner') {
    // The short answer only: the whole section is there to open, not to be read out.
    announce(`${authorLabel(message.author)}: ${parts.shown}`);
  }
  return item;
}
