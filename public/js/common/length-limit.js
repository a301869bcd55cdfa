// @ts-check
// The message length limit next to a text box: the box's `maxlength` comes from the server's
// configuration (MESSAGE_MAX_CHARS, or a tenant's lower limit for learners), and a counter ("3,250 / 4,000")
// appears once the text nears it. Screen readers hear it politely, once when the counter appears and
// once at the limit, not on every key.

/** The share of the limit from which the counter shows. */
const NEAR = 0.8;

/**
 * Wires the counter element `[data-length-for=<textarea id>]` to its box. Returns a function that
 * updates it, for when the page changes the text itself (sent, cleared, a canned reply inserted).
 * @param {HTMLTextAreaElement} box
 * @returns {() => void}
 */
export function showLengthLimit(box) {
  const counter = document.querySelector(`[data-length-for="${box.id}"]`);
  const max = box.maxLength;
  if (!(counter instanceof HTMLElement) || !(max > 0)) return () => {};
  const shown = document.createElement('span');
  shown.setAttribute('aria-hidden', 'true');
  const said = document.createElement('span');
  said.className = 'visually-hidden';
  said.setAttribute('aria-live', 'polite');
  counter.replaceChildren(shown, said);
  const number = new Intl.NumberFormat(document.documentElement.lang || undefined);
  const limitText = counter.dataset.limitText || '';
  /** @type {'far' | 'near' | 'full'} */
  let band = 'far';
  const update = () => {
    const length = box.value.length;
    const next = length >= max ? 'full' : length >= Math.floor(max * NEAR) ? 'near' : 'far';
    const text = next === 'far' ? '' : `${number.format(length)} / ${number.format(max)}`;
    shown.textContent = text;
    counter.dataset.band = next;
    if (next !== band) said.textContent = next === 'full' ? limitText || text : text;
    band = next;
  };
  box.addEventListener('input', update);
  update();
  return update;
}
