// @ts-check
// Writing to the open thread: replies (to the learner) and internal notes, shown at once and then as
// stored (or with a retry when sending failed), canned replies, and the length limit next to each box.
import { sendJson, showError } from '../shared/admin-ui.js';
import { newClientId } from '../shared/dom.js';
import { showLengthLimit } from '../shared/length-limit.js';
import { renderMessage } from './history.js';
import { announceThread, currentPath, me, openThreadState, state, ui } from './page.js';
import { stopTyping } from './presence.js';

/** @type {(() => void)[]} */
const counters = [];

/** Updates the length counters after the page changed the text itself. */
export function refreshCounters() {
  for (const update of counters) update();
}

/**
 * Sends a reply or note; shows it at once, then as stored (or with a retry when it failed).
 * @param {'reply' | 'notes'} kind
 * @param {string} text
 * @param {string} [clientId]
 */
async function post(kind, text, clientId = newClientId()) {
  const draft = {
    clientId,
    author: 'admin',
    authorId: me.userId,
    authorName: me.name,
    kind: kind === 'notes' ? 'note' : 'message',
    internal: kind === 'notes',
    text,
  };
  renderMessage(draft, { status: 'sending' });
  const result = await sendJson(currentPath(kind), 'POST', { clientId, text });
  if (!result.ok) {
    renderMessage(draft, { status: 'failed', retry: () => post(kind, text, clientId) });
    showError(ui.threadError, result.message);
    return false;
  }
  showError(ui.threadError, '');
  if (result.body?.message) renderMessage({ ...result.body.message, clientId });
  return true;
}

function wireReply() {
  const { reply, replyForm, sendReply } = ui;
  replyForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!state.current?.permissions.canReply) return;
    const text = reply.value.trim();
    if (!text) {
      showError(ui.threadError, 'Write a reply first.');
      reply.focus();
      return;
    }
    reply.value = '';
    refreshCounters();
    stopTyping();
    sendReply.disabled = true;
    const sent = await post('reply', text);
    sendReply.disabled = !state.current?.permissions.canReply;
    if (sent) announceThread('Reply sent.');
    reply.focus();
  });
  reply.addEventListener('keydown', (event) => {
    // Ctrl/Cmd+Enter sends (plain Enter adds a line: admin replies are often several paragraphs).
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      replyForm.requestSubmit();
    }
  });
}

function wireNote() {
  const { note, addNote } = ui;
  ui.noteForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!state.current) return;
    const text = note.value.trim();
    if (!text) {
      showError(ui.threadError, 'Write the note first.');
      note.focus();
      return;
    }
    note.value = '';
    refreshCounters();
    stopTyping();
    addNote.disabled = true;
    const sent = await post('notes', text);
    addNote.disabled = false;
    if (sent) announceThread('Internal note added.');
    note.focus();
  });
}

function wireCanned() {
  const { canned, reply } = ui;
  ui.insertCanned.addEventListener('click', async () => {
    if (!state.current || !canned.value) return;
    const result = await sendJson(
      `/api/inbox/canned-replies/${encodeURIComponent(canned.value)}/render`,
      'POST',
      {
        conversationId: openThreadState().id,
      },
    );
    if (!result.ok) return showError(ui.threadError, result.message);
    const text = result.body?.text || '';
    const start = reply.selectionStart ?? reply.value.length;
    const end = reply.selectionEnd ?? reply.value.length;
    reply.value = `${reply.value.slice(0, start)}${text}${reply.value.slice(end)}`;
    refreshCounters();
    reply.focus();
    reply.setSelectionRange(start + text.length, start + text.length);
    canned.value = '';
  });
}

export function wireComposer() {
  counters.push(showLengthLimit(ui.reply), showLengthLimit(ui.note));
  wireReply();
  wireNote();
  wireCanned();
}
