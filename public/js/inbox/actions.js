// @ts-check
// The thread's actions: take over, transfer, resolve, hand back, reopen. Each posts, then shows the
// thread as it is now.
import { sendJson, showError } from '../common/admin-ui.js';
import { onItem } from './list-live.js';
import { announceThread, currentPath, openThreadState, state, ui } from './page.js';
import { openThread } from './thread.js';

/**
 * After an action: show the thread as it is now and update its list entry.
 * @param {import('../page-globals.js').JsonResult} result
 * @param {string} doneText
 */
async function afterAction(result, doneText) {
  if (result.body?.conversation) onItem({ ...result.body.conversation, unread: false });
  showError(ui.threadError, '');
  if (doneText) announceThread(doneText);
  await openThread(openThreadState().id);
}

async function claim() {
  const { claimButton } = ui;
  if (!state.current) return;
  claimButton.disabled = true;
  const result = await sendJson(currentPath('claim'), 'POST', {});
  if (result.status === 409) {
    const name = result.body?.error?.details?.assigneeName;
    const text = result.body?.error?.message || `${name || 'Someone else'} already owns this conversation.`;
    // Said once, by the alert (role=alert); it stays until the admin does something else.
    await openThread(openThreadState().id, { error: text });
    return;
  }
  if (!result.ok) {
    claimButton.disabled = false;
    showError(ui.threadError, result.message);
    return;
  }
  await afterAction(result, 'You own this conversation now.');
  ui.reply.focus();
}

async function transfer() {
  const { transferTarget } = ui;
  if (!state.current) return;
  const value = transferTarget.value;
  if (!value) {
    showError(ui.threadError, 'Choose who to transfer the conversation to.');
    transferTarget.focus();
    return;
  }
  const label = transferTarget.selectedOptions[0]?.textContent || '';
  if (!window.confirm(`Transfer this conversation to ${label}?`)) return;
  const [kind, id] = [value.slice(0, value.indexOf(':')), value.slice(value.indexOf(':') + 1)];
  const result = await sendJson(
    currentPath('transfer'),
    'POST',
    kind === 'team' ? { teamId: id } : { toUserId: id },
  );
  if (!result.ok) return showError(ui.threadError, result.message);
  transferTarget.value = '';
  await afterAction(result, `Transferred to ${label}.`);
}

/**
 * @param {HTMLButtonElement} button
 * @param {string} action
 * @param {unknown} data
 * @param {string} doneText
 */
async function simpleAction(button, action, data, doneText) {
  if (!state.current) return;
  button.disabled = true;
  const result = await sendJson(currentPath(action), 'POST', data);
  button.disabled = false;
  if (!result.ok) return showError(ui.threadError, result.message);
  await afterAction(result, doneText);
}

export function wireActions() {
  const { resolveButton, handBackButton, reopenButton } = ui;
  ui.claimButton.addEventListener('click', claim);
  ui.transferButton.addEventListener('click', transfer);
  resolveButton.addEventListener('click', () =>
    simpleAction(
      resolveButton,
      'resolve',
      ui.resolution.value ? { resolution: ui.resolution.value } : {},
      'Resolved.',
    ),
  );
  handBackButton.addEventListener('click', () =>
    simpleAction(handBackButton, 'hand-back', {}, 'Handed back to the assistant.'),
  );
  reopenButton.addEventListener('click', () => simpleAction(reopenButton, 'reopen', {}, 'Reopened.'));
}
