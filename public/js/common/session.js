// @ts-check
// Keeps the session token ("ltik") from the launch URL in memory and sessionStorage, then removes it
// from the address bar. API calls send it as a header, never as a cookie (LMS iframes block those).
// Pages import `api`, `token` and `liveEvents`. `window.chatref` holds the same functions for code outside
// the module graph: browser tests call the API through the page's session with it.

/** @typedef {import('../page-globals.js').SessionApi} SessionApi */

/** @returns {string | null} */
function readToken() {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('ltik');
  if (fromUrl) {
    let stored = false;
    try {
      sessionStorage.setItem('chatref.ltik', fromUrl);
      stored = true;
    } catch {
      // Third-party frames with cookies blocked get no storage either.
    }
    // Take the token out of the address only when a reload can find it again; otherwise it stays in the
    // frame's URL (never sent onwards: Referrer-Policy is no-referrer).
    if (stored) {
      url.searchParams.delete('ltik');
      url.searchParams.delete('restored');
      history.replaceState(null, '', url.pathname + url.search + url.hash);
    }
    return fromUrl;
  }
  try {
    return sessionStorage.getItem('chatref.ltik');
  } catch {
    return null;
  }
}

const sessionToken = readToken();

/** The session token, or null when the page was opened without one. */
export const token = () => sessionToken;

// Links to our own pages carry the session on the way (pages have no cookie to find it in); also
// links a page adds later (one listener for the whole document).
document.addEventListener('click', (event) => {
  const link = event.target instanceof Element ? event.target.closest('a[data-session-link]') : null;
  if (!(link instanceof HTMLAnchorElement) || !sessionToken || event.defaultPrevented) return;
  event.preventDefault();
  const target = new URL(link.href);
  target.searchParams.set('ltik', sessionToken);
  window.location.assign(target.toString());
});

/**
 * fetch() with the session header.
 * @param {string} path
 * @param {RequestInit} [init]
 */
export function api(path, init = {}) {
  const headers = new Headers(init.headers || {});
  if (sessionToken) headers.set('Authorization', `Bearer ${sessionToken}`);
  return fetch(path, { ...init, headers });
}

/**
 * One Server-Sent Events block ("event:", "id:", "data:" lines) as its type, id and data text (null
 * when the block has no data line).
 * @param {string} block
 * @returns {{ type: string, id: string | null, data: string | null }}
 */
export function parseFrame(block) {
  let type = 'message';
  /** @type {string | null} */
  let id = null;
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) type = line.slice(6).trim();
    else if (line.startsWith('id:')) id = line.slice(3).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  return { type, id, data: data.length ? data.join('\n') : null };
}

/**
 * Follows a Server-Sent Events stream read with fetch (so the session travels in a header, not the
 * URL), reconnecting with backoff and resuming from the last event id. `onEvent(type, data)` gets each
 * frame the stream declares in `LiveStreams` (src/live/frames.ts); `onStatus('connected' | 'reconnecting')`
 * the connection state; `options.lastEventId` resumes after an event the page already has. Returns a
 * stop function.
 * @type {SessionApi['liveEvents']}
 */
export const liveEvents = (path, onEvent, onStatus = () => {}, options = {}) => {
  let lastEventId = options.lastEventId ?? null;
  let stopped = false;
  /** @type {AbortController | null} */
  let controller = null;
  /** @type {(type: string, data: unknown) => void} */
  const deliver = /** @type {any} */ (onEvent);
  const run = async () => {
    let delay = 500;
    while (!stopped) {
      try {
        controller = new AbortController();
        /** @type {Record<string, string>} */
        const headers = { accept: 'text/event-stream' };
        if (lastEventId) headers['last-event-id'] = lastEventId;
        const response = await api(path, { headers, signal: controller.signal });
        if (!response.ok || !response.body) throw new Error(`live channel ${response.status}`);
        onStatus('connected');
        delay = 500;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n/g, '\n');
          let boundary = buffer.indexOf('\n\n');
          while (boundary >= 0) {
            const block = buffer.slice(0, boundary);
            buffer = buffer.slice(boundary + 2);
            const frame = parseFrame(block);
            if (frame.id !== null) lastEventId = frame.id;
            if (frame.data !== null) {
              try {
                deliver(frame.type, JSON.parse(frame.data));
              } catch (error) {
                console.error(error);
              }
            }
            boundary = buffer.indexOf('\n\n');
          }
        }
      } catch {
        // fall through to reconnect
      }
      if (stopped) return;
      onStatus('reconnecting');
      await new Promise((resolve) => window.setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  };
  void run();
  return () => {
    stopped = true;
    controller?.abort();
  };
};

window.chatref = { token, api, liveEvents };
