import type { EventBus } from '../events/event-bus.js';
import type { EventStore } from '../events/event-store.js';
import type { HandoffConfigService } from '../handoff/handoff-config.service.js';
import type { ConversationService } from './conversation.service.js';

/**
 * The conversation domain of one process, wired once at start-up (the product's wiring:
 * src/storage/conversations/create-conversation-domain.ts). Staff presence is the process's, passed in.
 */
export interface ConversationDomain {
  store: EventStore;
  bus: EventBus;
  config: HandoffConfigService;
  service: ConversationService;
}
