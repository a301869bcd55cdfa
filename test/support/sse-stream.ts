import { frameRecorder, sseFrames } from './sse.js';

/**
 * An SSE stream held open in the background: `opened` when the response headers arrived, `ended` when
 * the server closed it, every frame recorded, the last stored event's id kept for a reconnect.
 */
export function holdStream(url: string, token: string, lastEventId?: string) {
  const controller = new AbortController();
  const recorder = frameRecorder();
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
    try {
      for await (const event of sseFrames(response.body)) {
        if (event.id) lastId = event.id;
        recorder.add(event);
      }
    } catch {
      // Closed by close() or by the server.
    }
  })();
  return {
    opened,
    ended,
    events: recorder.events,
    lastEventId: () => lastId,
    waitFor: recorder.waitFor,
    close: () => controller.abort(),
  };
}
