import type { PresenceSink, PresenceState, ThreadVisit } from '../live/presence.js';

/**
 * Who is viewing and typing in the inbox's threads, and which admins have the inbox open. The product
 * passes the process's one `Presence` (`live/presence.ts`, the same instance and Redis layout the handoff
 * decision reads); the inbox only needs these methods.
 */
export interface InboxPresence {
  /** Records that an admin has the inbox open now (on connect and on each heartbeat). */
  openedInbox(tenantId: string, userId: string): Promise<void>;
  /** Records that an admin closed the inbox. */
  closedInbox(tenantId: string, userId: string): Promise<void>;
  /** A heartbeat from a thread page (typing or not); every process's inbox hears the thread's new state. */
  visit(input: ThreadVisit): Promise<PresenceState>;
  /** Hears every thread presence change of a tenant, from every process; returns the function that stops. */
  listen(tenantId: string, sink: PresenceSink): () => void;
}

export {
  type PresencePerson,
  type PresenceSink,
  type PresenceState,
  type ThreadVisit,
  TYPING_TTL_MS,
  VIEWER_TTL_MS,
} from '../live/presence.js';
