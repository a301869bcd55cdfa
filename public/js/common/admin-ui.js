// @ts-check
// Small helpers the admin pages (Knowledge, Handoff settings, Inbox…) share; each page imports them.
import { api } from './session.js';

/**
 * A function that adds a line to a live region (role=status); only the last few lines stay.
 * @param {HTMLElement} region
 */
export function announcer(region) {
  return (/** @type {string} */ text) => {
    const line = document.createElement('p');
    line.textContent = text;
    region.append(line);
    while (region.childElementCount > 5) region.firstElementChild?.remove();
  };
}

/**
 * A table cell with its column name (narrow screens show it as a label), and text when given.
 * @param {string} label
 * @param {string} [text]
 */
export function cell(label, text) {
  const td = document.createElement('td');
  td.dataset.label = label;
  if (text !== undefined) td.textContent = text;
  return td;
}

/**
 * A button whose visible word ("Delete") is completed for screen readers by what it acts on.
 * @param {string} word
 * @param {string} what
 * @param {(event: MouseEvent) => void} onClick
 * @param {boolean} [secondary]
 */
export function actionButton(word, what, onClick, secondary) {
  const button = document.createElement('button');
  button.type = 'button';
  if (secondary) button.className = 'button-secondary';
  const wordSpan = document.createElement('span');
  wordSpan.textContent = word;
  const whatSpan = document.createElement('span');
  whatSpan.className = 'visually-hidden';
  whatSpan.textContent = ` ${what}`;
  button.append(wordSpan, whatSpan);
  button.addEventListener('click', onClick);
  return button;
}

/**
 * Shows a message in an error element, or hides it when there is none.
 * @param {HTMLElement} element
 * @param {string} [text]
 */
export function showError(element, text) {
  element.textContent = text || '';
  element.hidden = !text;
}

/**
 * The response body as JSON, or null when it is not JSON.
 * @param {Response} response
 * @returns {Promise<any>}
 */
export async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/**
 * The error message to show a person for a failed request.
 * @param {any} body
 * @param {Response} response
 */
export function messageOf(body, response) {
  return body?.error?.message || `The request failed (${response.status}). Please try again.`;
}

/**
 * A JSON request with the session header; resolves to { ok, status, body, message } and never throws
 * (a network failure becomes a message a person can act on).
 * @param {string} path
 * @param {string} [method]
 * @param {unknown} [data]
 * @returns {Promise<import('../page-globals.js').JsonResult>}
 */
export async function sendJson(path, method = 'GET', data = undefined) {
  try {
    /** @type {{ method: string, headers: Record<string, string>, body?: string }} */
    const init = { method, headers: { Accept: 'application/json' } };
    if (data !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(data);
    }
    const response = await api(path, init);
    const body = response.status === 204 ? null : await readJson(response);
    return {
      ok: response.ok,
      status: response.status,
      body,
      message: response.ok ? '' : messageOf(body, response),
    };
  } catch {
    return {
      ok: false,
      status: 0,
      body: null,
      message: 'The server could not be reached. Please try again.',
    };
  }
}
