// @ts-check
// The learner chat: history, sending with retries that never duplicate (client ids), streamed bot
// answers, citations, feedback, "Talk to a person", and live updates over Server-Sent Events read with
// fetch (so the session travels in a header, not the URL), resuming from the last event id.
// Each part is a module under ./chat/; this one loads the thread and starts them. Live frames are typed by
// the server's declaration (src/live/frames.ts), checked by `npm run typecheck`.
import { useSectionLabels } from './chat/answer-text.js';
import { wireComposer } from './chat/composer.js';
import { loadFollowUpPreference } from './chat/follow-up.js';
import { listen, markFinished } from './chat/live.js';
import { announce, chat, root, showConversation, t } from './chat/page.js';
import { renderMessage } from './chat/transcript.js';
import { api } from './common/session.js';

/** @typedef {import('./chat/page.js').MessageView} MessageView */

// The labels of answer-strings.catalog.ts (`wholeSection`), so that a model's answer with a Markdown
// rule in it is never mistaken for one (a unit test reads this file to keep the two lists equal).
const SECTION_LABELS = [
  'Show the whole section',
  'Ver la sección completa',
  'Ver a seção completa',
  'Afficher toute la section',
];

/** Loads the thread and its history (retrying while the server is starting), then follows it live. */
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
  chat.lastEventId = body.lastEventId || null;
  showConversation(body.conversation);
  for (const message of /** @type {MessageView[]} */ (body.messages)) {
    if (message.author === 'bot') markFinished(message.clientId);
    renderMessage(message, { silent: true, status: message.author === 'learner' ? 'sent' : undefined });
  }
  listen();
}

if (root) {
  useSectionLabels(SECTION_LABELS);
  wireComposer();
  chat.ready = start();
  void loadFollowUpPreference();
}
