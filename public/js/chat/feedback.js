// @ts-check
// Thumbs up / down under an answer, and after a thumbs-down the way to a person right there.
import { api } from '../common/session.js';
import { announce, chat, t, ui } from './page.js';

/** @typedef {import('./page.js').ShownMessage} ShownMessage */

// Drawn, not emoji: emoji fonts are missing on many school machines.
/** @param {boolean} down */
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

/**
 * @param {HTMLElement} container
 * @param {ShownMessage & { id: string }} message
 */
export function renderFeedback(container, message) {
  const group = document.createElement('div');
  group.className = 'feedback';
  group.setAttribute('role', 'group');
  group.setAttribute('aria-label', `${t.helpful}?`);
  for (const [value, label] of /** @type {const} */ ([
    ['up', t.helpful],
    ['down', t.notHelpful],
  ])) {
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
        if (value === 'down') offerPerson(group);
      }
    });
    group.append(button);
  }
  container.append(group);
}

/**
 * After a thumbs-down while the bot has the thread, the way to a person right under the answer (the
 * header's button, closer at hand). Asking right after a thumbs-down makes the answer a labelled miss.
 * @param {HTMLElement} group the answer's feedback buttons
 */
function offerPerson(group) {
  if (chat.conversation?.status !== 'bot' || group.nextElementSibling?.classList.contains('feedback-person'))
    return;
  const offer = document.createElement('button');
  offer.type = 'button';
  offer.className = 'secondary feedback-person';
  offer.textContent = t.talkToPerson;
  offer.addEventListener('click', () => {
    // Focus stays in the header, where the thread's status is read out once the person is asked for.
    ui.handoffButton.focus();
    offer.remove();
    ui.handoffButton.click();
  });
  group.after(offer);
}
