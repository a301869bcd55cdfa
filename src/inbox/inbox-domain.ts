import type { InboxService } from './inbox.service.js';
import type { InboxIndex } from './inbox-index.js';
import type { InboxPresence } from './presence.js';
import type { TeamService } from './teams.js';

/** The inbox of one web process (the product's wiring: src/storage/inbox/create-inbox.ts). */
export interface InboxDomain {
  index: InboxIndex;
  teams: TeamService;
  /** The process's presence (the same instance its conversation domain asks for the handoff decision). */
  presence: InboxPresence;
  service: InboxService;
}
