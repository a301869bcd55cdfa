// Small helpers the admin pages (Knowledge, Handoff settings, Inbox) share. Loaded before each page's script.
window.chatrefAdmin = {
  /** A function that adds a line to a live region (role=status); only the last few lines stay. */
  announcer(region) {
    return (text) => {
      const line = document.createElement('p');
      line.textContent = text;
      region.append(line);
      while (region.childElementCount > 5) region.firstElementChild.remove();
    };
  },

  /** Shows a message in an error element, or hides it when there is none. */
  showError(element, text) {
    element.textContent = text || '';
    element.hidden = !text;
  },

  /** The response body as JSON, or null when it is not JSON. */
  async readJson(response) {
    try {
      return await response.json();
    } catch {
      return null;
    }
  },

  /** The error message to show a person for a failed request. */
  messageOf(body, response) {
    return body?.error?.message || `The request failed (${response.status}). Please try again.`;
  },

  /**
   * A JSON request with the session header; resolves to { ok, status, body, message } and never throws
   * (a network failure becomes a message a person can act on).
   */
  async sendJson(path, method = 'GET', data = undefined) {
    const { readJson, messageOf } = window.chatrefAdmin;
    try {
      const init = { method, headers: { Accept: 'application/json' } };
      if (data !== undefined) {
        init.headers['content-type'] = 'application/json';
        init.body = JSON.stringify(data);
      }
      const response = await window.chatref.api(path, init);
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
  },

  /**
   * Follows a Server-Sent Events stream read with fetch (so the session travels in a header, not the
   * URL), reconnecting with backoff and resuming from the last event id. `onEvent(type, data)` gets each
   * parsed event; `onStatus('connected' | 'reconnecting')` the connection state. Returns a stop function.
   */
  liveEvents(path, onEvent, onStatus = () => {}) {
    let lastEventId = null;
    let stopped = false;
    let controller = null;
    const run = async () => {
      let delay = 500;
      while (!stopped) {
        try {
          controller = new AbortController();
          const headers = { accept: 'text/event-stream' };
          if (lastEventId) headers['last-event-id'] = lastEventId;
          const response = await window.chatref.api(path, { headers, signal: controller.signal });
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
