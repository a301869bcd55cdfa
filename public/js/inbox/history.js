// @ts-check
// The open thread's history: each message, note and event line, the sources and confidence of the
// assistant's answers, and the sending / failed state of the admin's own lines.
import { el } from '../common/dom.js';
import { timeElement } from '../common/time.js';
import { me, state, ui } from './page.js';

/** @type {Record<string, string>} */
const AUTHOR_LABEL = { learner: 'Learner', bot: 'Assistant', admin: 'Staff', system: 'System' };

export function authorOf(message) {
  if (message.author === 'learner') return state.current?.conversation?.learner?.name || 'Learner';
  if (message.author === 'admin') {
    if (message.authorId && message.authorId === me.userId) return `${message.authorName || me.name} (you)`;
    return message.authorName || 'Staff';
  }
  return AUTHOR_LABEL[message.author] || message.author;
}

/**
 * @param {HTMLElement} container
 * @param {any[] | undefined} citations
 * @param {number | undefined} confidence
 */
export function renderCitations(container, citations, confidence) {
  if ((!citations || citations.length === 0) && typeof confidence !== 'number') return;
  const box = el('div', 'citations');
  if (citations?.length) {
    box.append(el('p', 'citations-title', 'Sources'));
    const items = el('ol');
    for (const citation of citations) {
      const item = el('li');
      if (citation.index) item.value = citation.index;
      const label = citation.heading ? `${citation.title} — ${citation.heading}` : citation.title;
      if (citation.url && /^https?:\/\//i.test(citation.url)) {
        const link = el('a', '', label);
        link.href = citation.url;
        link.target = '_blank';
        link.rel = 'noopener noreferrer';
        item.append(link);
      } else {
        item.textContent = citation.path ? `${label} (${citation.path})` : label;
      }
      items.append(item);
    }
    box.append(items);
  }
  if (typeof confidence === 'number')
    box.append(el('p', 'confidence', `Confidence ${Math.round(confidence * 100)}%`));
  container.append(box);
}

/**
 * Adds or updates one line of the history; `id` or `clientId` identifies it.
 * @param {any} message
 * @param {{ status?: 'sending' | 'failed', retry?: () => void }} [options]
 */
export function renderMessage(message, options = {}) {
  let li = (message.id && state.rendered.get(message.id)) || state.rendered.get(message.clientId);
  const isNew = !li;
  if (!li) {
    li = el('li');
    ui.history.append(li);
  }
  if (message.id) state.rendered.set(message.id, li);
  if (message.clientId) state.rendered.set(message.clientId, li);
  // A refresh brings the same stored line again: leave it alone (keeps a screen reader's place).
  const version = message.id ? `${message.id}:${message.text}` : '';
  if (!isNew && !options.status && version && li.dataset.version === version) return li;
  li.dataset.version = options.status ? '' : version;
  const isNote = message.kind === 'note' || message.internal;
  const isEvent = message.kind === 'event' || message.author === 'system';
  // The SLA timers record warnings, breaches and escalations as staff-only system notes (client id
  // `sla:<target>:<cycle>:<stage>`): labelled as SLA lines, breaches and escalations marked.
  const slaStage =
    message.author === 'system' && /^sla:/.test(message.clientId || '')
      ? message.clientId.split(':')[3] || ''
      : '';
  li.className = `entry entry-${message.author}${isNote ? ' entry-note' : ''}${isEvent ? ' entry-event' : ''}${
    slaStage ? ` entry-sla sla-line-${slaStage === 'warning' ? 'warning' : 'breach'}` : ''
  }`;
  li.dataset.author = message.author;
  li.dataset.kind = isNote ? 'note' : message.kind || 'message';
  li.replaceChildren();
  const head = el('p', 'entry-head');
  if (slaStage) head.append(el('span', 'note-label', 'SLA (staff only)'), document.createTextNode(' '));
  else if (isNote) head.append(el('span', 'note-label', 'Internal note'), document.createTextNode(' '));
  head.append(el('span', 'entry-author', authorOf(message)));
  if (message.createdAt) head.append(document.createTextNode(' · '), timeElement(message.createdAt));
  const body = el('p', 'entry-text', message.text);
  li.append(head, body);
  if (message.author === 'bot') renderCitations(li, message.citations, message.confidence);
  if (options.status) {
    const status = el('p', 'entry-status');
    if (options.status === 'failed') {
      const retry = el('button', 'link-button', 'Not sent. Retry');
      retry.type = 'button';
      retry.addEventListener('click', () => options.retry?.());
      status.append(retry);
    } else status.textContent = 'Sending…';
    li.append(status);
  }
  return li;
}
