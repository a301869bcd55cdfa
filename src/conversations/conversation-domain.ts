import { EventBus } from '../events/event-bus.js';
import { EventStore } from '../events/event-store.js';
import { HandoffConfigService } from '../handoff/handoff-config.service.js';
import { RedisStaffPresence } from '../handoff/staff-presence.js';
import type { Logger } from '../lib/logger.js';
import type { RedisMongoStoreDeps } from '../storage/conversations/redis-mongo-store.js';
import { ConversationService } from './conversation.service.js';

/** The conversation domain of one process, wired once at start-up. */
export interface ConversationDomain {
  store: EventStore;
  bus: EventBus;
  config: HandoffConfigService;
  presence: RedisStaffPresence;
  service: ConversationService;
}

/**
 * Builds the event store and bus, handoff configuration, staff presence and the conversation service on
 * one fail-fast (producer) Redis connection. A web process's live hub replays from the same `store`.
 */
export function createConversationDomain(deps: {
  redis: RedisMongoStoreDeps['redis'];
  prefix: string;
  logger?: Logger;
  /** config MESSAGE_MAX_CHARS (default: the process's configuration). */
  messageMaxChars?: number;
}): ConversationDomain {
  const store = new EventStore({ redis: deps.redis, prefix: deps.prefix, logger: deps.logger });
  const bus = new EventBus({ store, redis: deps.redis, prefix: deps.prefix, logger: deps.logger });
  const config = new HandoffConfigService();
  const presence = new RedisStaffPresence(deps.redis, deps.prefix);
  const service = new ConversationService({
    events: bus,
    redis: deps.redis,
    prefix: deps.prefix,
    config,
    presence,
    logger: deps.logger,
    messageMaxChars: deps.messageMaxChars,
  });
  return { store, bus, config, presence, service };
}
