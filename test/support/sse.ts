// biome-ignore lint/suspicious/noExplicitAny: event payloads are checked field by field in each test.
export type SseEvent = { type: string; id?: string; data: any };

/** The frames of a Server-Sent Events body as they arrive; `onText` sees each chunk of raw text first. */
export async function* sseFrames(
  body: ReadableStream<Uint8Array>,
  onText?: (text: string) => void,
): AsyncGenerator<SseEvent> {
  const reader = body
    .pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>)
    .getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      onText?.(value);
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
        if (data.length) yield { type, id, data: JSON.parse(data.join('\n')) };
        boundary = buffer.indexOf('\n\n');
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * Frames recorded as a background reader adds them, and a wait for the first one matching a predicate
 * (woken by each new frame, never by a timer). `describe` adds context to the timeout's message.
 */
export function frameRecorder(describe: () => string = () => '') {
  const events: SseEvent[] = [];
  const wakers = new Set<() => void>();
  return {
    events,
    add(event: SseEvent) {
      events.push(event);
      for (const wake of [...wakers]) wake();
    },
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
          reject(new Error(`timed out waiting for ${what} (${events.length} frames${describe()})`));
        }, timeoutMs);
        if (!check()) wakers.add(check);
      });
    },
  };
}

/** Reads Server-Sent Events from a fetch body until `until` returns true or the time runs out. */
export async function readEvents(
  url: string,
  token: string,
  until: (events: SseEvent[]) => boolean,
  options: { lastEventId?: string; timeoutMs?: number; onOpen?: () => void } = {},
): Promise<SseEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 15_000);
  const events: SseEvent[] = [];
  try {
    const response = await fetch(url, {
      headers: {
        authorization: `Bearer ${token}`,
        ...(options.lastEventId ? { 'last-event-id': options.lastEventId } : {}),
      },
      signal: controller.signal,
    });
    options.onOpen?.();
    if (!until(events))
      for await (const event of sseFrames(response.body as ReadableStream<Uint8Array>)) {
        events.push(event);
        if (until(events)) break;
      }
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}
