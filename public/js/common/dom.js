// @ts-check
// Building page content from server data: always as text nodes (never innerHTML), so names and
// messages stay text.

/**
 * An element with an optional class and text.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [className]
 * @param {unknown} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** An id for a message the page sends, so a retry is never stored twice. */
export const newClientId = () =>
  crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;

/**
 * A JSON block the server rendered into the page (`<script type="application/json" id=…>`), or
 * `fallback` when it is missing or unreadable.
 * @template T
 * @param {string} id
 * @param {T} fallback
 * @returns {T}
 */
export function pageData(id, fallback) {
  try {
    return JSON.parse(document.getElementById(id)?.textContent ?? '') ?? fallback;
  } catch {
    return fallback;
  }
}
