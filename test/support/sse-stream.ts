import type { SseEvent } from './sse.js';

/**
 * An SSE stream held open in the background: `opened` when the response headers arrived, `ended` when
 * the server closed it, every frame recorded, the last stored event's id kept for a reconnect.
 */
export function holdStream(url: string, token: string, lastEventId?: string) {
  const controller = new AbortController();
  const events: SseEvent[] = [];
  const wakers = new Set<() => void>();
  let lastId = lastEventId;
  let markOpened!: () => void;
  let openFailed!: (error: unknown) => void;
  const opened = new Promise<void>((resolve, reject) => {
    markOpened = resolve;
    openFailed = reject;
  });
  const ended = (async () => {
    let response: Response;
    try {
      response = await fetch(url, {
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'text/event-stream',
          ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
        },
        signal: controller.signal,
      });
    } catch (error) {
      openFailed(error);
      return;
    }
    if (!response.ok || !response.body) {
      openFailed(new Error(`the stream answered ${response.status}`));
      return;
    }
    markOpened();
    const reader = response.body
      .pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>)
      .getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let boundary = buffer.indexOf('\n\n');
        while (boundary >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          let type = 'message';
          let id: string | undefined;
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) type = line.slice(6).trim();
            else if (line.startsWith('id:')) id = line.slice(3).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trim());
          }
          if (id) lastId = id;
          if (data.length) events.push({ type, id, data: JSON.parse(data.join('\n')) });
          boundary = buffer.indexOf('\n\n');
        }
        for (const wake of [...wakers]) wake();
      }
    } catch {
      // Closed by close() or by the server.
    }
  })();
  return {
    opened,
    ended,
    events,
    lastEventId: () => lastId,
    waitFor(predicate: (event: SseEvent) => boolean, what: string, timeoutMs = 20_000): Promise<SseEvent> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(predicate);
          if (!found) return false;
          wakers.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          wakers.delete(check);
          reject(new Error(`timed out waiting for ${what} (${events.length} frames)`));
        }, timeoutMs);
        if (!check()) wakers.add(check);
      });
    },
    close: () => controller.abort(),
  };
}
