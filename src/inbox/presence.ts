/**
 * Who is viewing and typing in the inbox's threads: the one presence module (`live/presence.ts`, shared
 * with the handoff decision) under the names the inbox uses.
 */

export {
  type PresencePerson,
  type PresenceSink,
  type PresenceState,
  type ThreadVisit,
  TYPING_TTL_MS,
  VIEWER_TTL_MS,
} from '../live/presence.js';
export { InboxPresence } from '../live/presence-aliases.js';
