import type { Response } from 'express';
import type { SseFrame } from '../live/frames.js';
import { routeLabel } from '../metrics/http.js';
import { trackLiveStream } from '../metrics/live.js';

/** Writes one Server-Sent Event; stored events pass their sequence as the id a reconnect resumes from. */
export type EventStreamWriter<Frame extends SseFrame> = (frame: Frame, id?: number) => void;

// The responses that are event streams, so a stopping server can end them (see `isEventStream`).
const streams = new WeakSet<object>();

/**
 * True for a response opened by {@link openEventStream}. A stream is never idle, so a stopping server
 * ends it rather than waiting: the page's EventSource reconnects (through the balancer, to a process that
 * is not stopping) and resumes from its Last-Event-ID.
 */
export function isEventStream(res: object): boolean {
  return streams.has(res);
}

/** Emitted on a response when it becomes an event stream, for a server that is stopping to end it at once. */
export const EVENT_STREAM_OPENED = 'chatref:event-stream-opened';

/**
 * Opens a Server-Sent Events response: no caching or proxy buffering, a 2 s reconnect hint, and a
 * writer for the stream's frames (`src/live/frames.ts`). The caller registers its listeners and cleans
 * up on `req.on('close')`.
 */
export function openEventStream<Frame extends SseFrame>(res: Response): EventStreamWriter<Frame> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  trackLiveStream(routeLabel(res.req.baseUrl, res.req.route?.path), res);
  streams.add(res);
  res.emit(EVENT_STREAM_OPENED);
  return (frame, id) => {
    res.write(
      `${id !== undefined ? `id: ${id}\n` : ''}event: ${frame.type}\ndata: ${JSON.stringify(frame.data)}\n\n`,
    );
  };
}
