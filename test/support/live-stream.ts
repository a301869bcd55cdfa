import { frameRecorder, type SseEvent, sseFrames } from './sse.js';

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
  let text = '';
  const recorder = frameRecorder(() => `: ${text.slice(0, 500)}`);
  if (response.ok && response.body) {
    const body = response.body;
    void (async () => {
      try {
        for await (const event of sseFrames(body, (chunk) => {
          text += chunk;
        }))
          recorder.add(event);
      } catch {
        // Aborted by close().
      }
    })();
  }
  return {
    status: response.status,
    events: recorder.events,
    raw: () => text,
    waitFor: recorder.waitFor,
    close: () => controller.abort(),
  };
}
