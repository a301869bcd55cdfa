// @ts-check
// Presence on the open thread: this admin's heartbeat and typing (sent), and who else is viewing or
// typing (shown: "Ana is typing… · Ben is viewing").
import { sendJson } from '../common/admin-ui.js';
import { currentPath, me, state, ui } from './page.js';

const HEARTBEAT_MS = 10_000;
const TYPING_IDLE_MS = 4_000;
const TYPING_REPEAT_MS = 5_000;

/** @type {{ active: boolean, idle: number | undefined, typingSentAt: number }} */
const typingState = { active: false, idle: undefined, typingSentAt: 0 };
/** @type {number | undefined} */
let heartbeat;

function sendPresence() {
  if (!state.current || document.hidden) return;
  if (typingState.active) typingState.typingSentAt = Date.now();
  void sendJson(currentPath('presence'), 'POST', { typing: typingState.active });
}

export function startHeartbeat() {
  window.clearInterval(heartbeat);
  sendPresence();
  heartbeat = window.setInterval(sendPresence, HEARTBEAT_MS);
}

export function stopHeartbeat() {
  window.clearInterval(heartbeat);
  heartbeat = undefined;
}

export const heartbeatRunning = () => heartbeat !== undefined;

/** Another thread was opened: typing there is not typing here. */
export function resetTyping() {
  typingState.active = false;
}

export function stopTyping() {
  window.clearTimeout(typingState.idle);
  if (!typingState.active) return;
  typingState.active = false;
  sendPresence();
}

/**
 * Typing is said at once and repeated while it goes on (the server forgets it after a few seconds);
 * it stops a few seconds after the last key, or when the box is emptied.
 * @param {Event} event
 */
function onTyping(event) {
  if (!(/** @type {HTMLTextAreaElement} */ (event.target).value.trim())) {
    stopTyping();
    return;
  }
  window.clearTimeout(typingState.idle);
  typingState.idle = window.setTimeout(stopTyping, TYPING_IDLE_MS);
  if (typingState.active && Date.now() - typingState.typingSentAt < TYPING_REPEAT_MS) return;
  typingState.active = true;
  sendPresence();
}

/** @param {{ name?: string }[]} people */
function names(people) {
  const list = people.map((person) => person.name || 'Someone');
  if (list.length <= 1) return list.join('');
  return `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`;
}

/** "Ana is typing… · Ben is viewing" (others only). */
export function renderPresence() {
  if (!state.current) return;
  const others = (people) => (people || []).filter((person) => person.userId !== me.userId);
  const typing = others(state.current.typing);
  const typingIds = new Set(typing.map((person) => person.userId));
  const viewing = others(state.current.viewers).filter((person) => !typingIds.has(person.userId));
  const parts = [];
  if (typing.length) parts.push(`${names(typing)} ${typing.length === 1 ? 'is' : 'are'} typing…`);
  if (viewing.length) parts.push(`${names(viewing)} ${viewing.length === 1 ? 'is' : 'are'} viewing`);
  const text = parts.join(' · ');
  if (ui.presenceLine.textContent !== text) ui.presenceLine.textContent = text;
}

export function wirePresence() {
  ui.reply.addEventListener('input', onTyping);
  ui.note.addEventListener('input', onTyping);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) sendPresence();
  });
}
