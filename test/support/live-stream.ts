import type { SseEvent } from './sse.js';

/** A live Server-Sent Events connection kept open in the background, recording every frame it gets. */
export interface OpenStream {
  status: number;
  events: SseEvent[];
  /** Everything received so far, as sent (for "nothing of the other tenant" checks on the raw text). */
  raw(): string;
  /** Resolves with the first recorded frame matching `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (event: SseEvent) => boolean, what: string, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

/** Opens an SSE stream with a session header; resolves once the response headers arrived (registered). */
export async function openStream(url: string, token: string): Promise<OpenStream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  let text = '';
  const wakers = new Set<() => void>();
  if (response.ok && response.body) {
    const reader = response.body
      .pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>)
      .getReader();
    let buffer = '';
    void (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          text += value;
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
            if (data.length) events.push({ type, id, data: JSON.parse(data.join('\n')) });
            boundary = buffer.indexOf('\n\n');
          }
          for (const wake of [...wakers]) wake();
        }
      } catch {
        // Aborted by close().
      }
    })();
  }
  return {
    status: response.status,
    events,
    raw: () => text,
    waitFor(predicate, what, timeoutMs = 20_000) {
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
          reject(new Error(`timed out waiting for ${what} (${events.length} frames: ${text.slice(0, 500)})`));
        }, timeoutMs);
        if (!check()) wakers.add(check);
      });
    },
    close: () => controller.abort(),
  };
}
