import type { Response } from 'express';

/** Writes one Server-Sent Event; stored events pass their sequence as the id a reconnect resumes from. */
export type EventStreamWriter = (type: string, data: unknown, id?: number) => void;

/**
 * Opens a Server-Sent Events response: no caching or proxy buffering, a 2 s reconnect hint, and a
 * writer for events. The caller registers its listeners and cleans up on `req.on('close')`.
 */
export function openEventStream(res: Response): EventStreamWriter {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  return (type, data, id) => {
    res.write(`${id !== undefined ? `id: ${id}\n` : ''}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  };
}
