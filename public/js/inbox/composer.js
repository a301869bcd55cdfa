// @ts-check
// Writing to the open thread: replies (to the learner) and internal notes, shown at once and then as
// stored (or with a retry when sending failed), canned replies, and the length limit next to each box.
import { sendJson, showError } from '../common/admin-ui.js';
import { newClientId } from '../common/dom.js';
import { showLengthLimit } from '../common/length-limit.js';
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

/**
 * A form that sends its box's text as a reply or a note: refused with a word when empty, the box emptied
 * and typing stopped at once, the line announced once stored.
 * @param {{ form: HTMLFormElement, box: HTMLTextAreaElement, button: HTMLButtonElement, kind: 'reply' | 'notes', empty: string, done: string, allowed: () => boolean }} options
 */
function wireSend({ form, box, button, kind, empty, done, allowed }) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!allowed()) return;
    const text = box.value.trim();
    if (!text) {
      showError(ui.threadError, empty);
      box.focus();
      return;
    }
    box.value = '';
    refreshCounters();
    stopTyping();
    button.disabled = true;
    const sent = await post(kind, text);
    button.disabled = !allowed();
    if (sent) announceThread(done);
    box.focus();
  });
}

function wireReplyAndNote() {
  const { reply, replyForm } = ui;
  wireSend({
    form: replyForm,
    box: reply,
    button: ui.sendReply,
    kind: 'reply',
    empty: 'Write a reply first.',
    done: 'Reply sent.',
    allowed: () => Boolean(state.current?.permissions.canReply),
  });
  wireSend({
    form: ui.noteForm,
    box: ui.note,
    button: ui.addNote,
    kind: 'notes',
    empty: 'Write the note first.',
    done: 'Internal note added.',
    allowed: () => Boolean(state.current),
  });
  reply.addEventListener('keydown', (event) => {
    // Ctrl/Cmd+Enter sends (plain Enter adds a line: admin replies are often several paragraphs).
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      replyForm.requestSubmit();
    }
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
  wireReplyAndNote();
  wireCanned();
}
