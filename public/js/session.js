// Keeps the session token ("ltik") from the launch URL in memory and sessionStorage, then removes it
// from the address bar. API calls send it as a header, never as a cookie (LMS iframes block those).
(() => {
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
  }
  let token = fromUrl;
  if (!token) {
    try {
      token = sessionStorage.getItem('chatref.ltik');
    } catch {
      token = null;
    }
  }
  // Links to our own pages carry the session on the way (pages have no cookie to find it in); also
  // links a page adds later (one listener for the whole document).
  document.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a[data-session-link]') : null;
    if (!link || !token || event.defaultPrevented) return;
    event.preventDefault();
    const target = new URL(link.href);
    target.searchParams.set('ltik', token);
    window.location.assign(target.toString());
  });
  /** fetch() with the session header. */
  const api = (path, init = {}) => {
    const headers = new Headers(init.headers || {});
    if (token) headers.set('Authorization', `Bearer ${token}`);
    return fetch(path, { ...init, headers });
  };
  window.chatref = {
    token: () => token,
    api,
    /**
     * Follows a Server-Sent Events stream read with fetch (so the session travels in a header, not the
     * URL), reconnecting with backoff and resuming from the last event id. `onEvent(type, data)` gets each
     * parsed event; `onStatus('connected' | 'reconnecting')` the connection state; `options.lastEventId`
     * resumes after an event the page already has. Returns a stop function.
     */
    liveEvents(path, onEvent, onStatus = () => {}, options = {}) {
      let lastEventId = options.lastEventId ?? null;
      let stopped = false;
      let controller = null;
      const run = async () => {
        let delay = 500;
        while (!stopped) {
          try {
            controller = new AbortController();
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
                let type = 'message';
                const data = [];
                for (const line of block.split('\n')) {
                  if (line.startsWith('event:')) type = line.slice(6).trim();
                  else if (line.startsWith('id:')) lastEventId = line.slice(3).trim();
                  else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
                }
                if (data.length) {
                  try {
                    onEvent(type, JSON.parse(data.join('\n')));
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
    },
  };
})();
