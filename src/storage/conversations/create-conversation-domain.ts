import type { Redis } from 'ioredis';
import {
  ConversationService,
  type ConversationServiceDeps,
} from '../../conversations/conversation.service.js';
import type { ConversationDomain } from '../../conversations/conversation-domain.js';
import { EventBus } from '../../events/event-bus.js';
import { EventStore } from '../../events/event-store.js';
import { HandoffConfigService } from '../../handoff/handoff-config.service.js';
import type { StaffPresence } from '../../handoff/staff-presence.js';
import type { Logger } from '../../lib/logger.js';
import { Presence } from '../../live/presence.js';
import { storedReplyPolicies } from '../sla/stored-sla-settings.js';
import { RedisMongoConversationStore } from './redis-mongo-store.js';

/**
 * A conversation service on the product's storage: threads and messages in MongoDB/FerretDB with their
 * Redis copies and locks on `redis`, staff presence in Redis (read-only, no live fan-out), reply policies
 * from the stored SLA settings, unless given. `messageMaxChars` is config MESSAGE_MAX_CHARS.
 */
export function createConversationService(
  deps: Omit<ConversationServiceDeps, 'store' | 'presence' | 'replyPolicies'> &
    Partial<Pick<ConversationServiceDeps, 'store' | 'presence' | 'replyPolicies'>> & {
      /** A fail-fast (producer) connection, for the store, rate limits and staff presence. */
      redis: Redis;
      /** REDIS_PREFIX: namespaces the store's and presence's keys. */
      prefix: string;
    },
): ConversationService {
  const now = deps.now ?? (() => new Date());
  const { redis, prefix, ...rest } = deps;
  return new ConversationService({
    ...rest,
    now,
    store:
      deps.store ??
      new RedisMongoConversationStore({
        redis,
        prefix,
        events: deps.events,
        logger: deps.logger,
        messageMaxChars: deps.messageMaxChars,
        now,
      }),
    presence: deps.presence ?? new Presence({ redis, prefix, logger: deps.logger }),
    replyPolicies: deps.replyPolicies ?? storedReplyPolicies(),
  });
}

/**
 * Builds the event store and bus, handoff configuration and the conversation service on one fail-fast
 * (producer) Redis connection. A web process's live hub replays from the same `store`.
 */
export function createConversationDomain(deps: {
  redis: Redis;
  prefix: string;
  logger?: Logger;
  /**
   * The process's staff presence (a web process passes its one `Presence`, which its inbox records
   * admins in); default: one on `redis` without a live bus, enough for the handoff decision.
   */
  presence?: StaffPresence;
  /** config MESSAGE_MAX_CHARS. */
  messageMaxChars: number;
}): ConversationDomain {
  const { messageMaxChars } = deps;
  const store = new EventStore({ redis: deps.redis, prefix: deps.prefix, logger: deps.logger });
  const bus = new EventBus({ store, redis: deps.redis, prefix: deps.prefix, logger: deps.logger });
  const config = new HandoffConfigService({ messageMaxChars });
  const service = createConversationService({
    events: bus,
    redis: deps.redis,
    prefix: deps.prefix,
    config,
    presence: deps.presence,
    logger: deps.logger,
    messageMaxChars,
  });
  return { store, bus, config, service };
}
