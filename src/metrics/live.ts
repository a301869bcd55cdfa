import { metrics } from './definitions.js';

export type LiveKind = 'chat' | 'inbox' | 'other';

/** The kind of a live stream from the route it was opened on. */
export function liveKind(route: string): LiveKind {
  if (route.startsWith('/api/chat/')) return 'chat';
  if (route.startsWith('/api/inbox/')) return 'inbox';
  return 'other';
}

/** Counts an open Server-Sent Events stream until `closed` emits `close` (the response). */
export function trackLiveStream(
  route: string,
  closed: { once(event: 'close', listener: () => void): unknown },
) {
  const kind = liveKind(route);
  metrics.chatref_live_connections.labels(kind).inc();
  metrics.chatref_live_connections_opened_total.labels(kind).inc();
  closed.once('close', () => metrics.chatref_live_connections.labels(kind).dec());
}
