import type { Redis } from 'ioredis';
import mongoose, { Types } from 'mongoose';
import type { ConversationService } from '../../src/conversations/conversation.service.js';
import { DEFAULT_MESSAGE_MAX_CHARS } from '../../src/conversations/message-limit.js';
import { connectMongo } from '../../src/db/mongo.js';
import type { NewEvent } from '../../src/events/catalog.js';
import { EventBus } from '../../src/events/event-bus.js';
import { EventStore } from '../../src/events/event-store.js';
import { HandoffConfigService } from '../../src/handoff/handoff-config.service.js';
import type { StaffPresence } from '../../src/handoff/staff-presence.js';
import { connectRedis } from '../../src/redis/connection.js';
import { defaultReplyPolicy } from '../../src/sla/reply-policy.js';
import { createConversationService } from '../../src/storage/conversations/create-conversation-domain.js';
import { quietLogger, testServices } from '../support/services.js';

/** A connected Redis for a purpose, ready for commands (producer connections do not queue while connecting). */
export function readyRedis(url: string, purpose: 'producer' | 'subscriber'): Promise<Redis> {
  return connectRedis(url, purpose, quietLogger);
}

/** Connects mongoose once for the run (never disconnected: other suites share it) and builds indexes. */
export async function connectDomain(): Promise<{ redisUrl: string; redisPrefix: string }> {
  const services = await testServices();
  // Indexes (the unique ones the concurrency tests rely on) are built as the product builds them.
  if (mongoose.connection.readyState === 0) await connectMongo(services.mongoUrl, quietLogger);
  return { redisUrl: services.redisUrl, redisPrefix: services.redisPrefix };
}

/** A settable clock; starts on Wednesday 2026-03-04 10:00 New York (in staff hours). */
export class TestClock {
  current = new Date('2026-03-04T15:00:00Z');
  now = () => this.current;
  set(iso: string) {
    this.current = new Date(iso);
  }
  advance(ms: number) {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** Presence the test switches. */
export class SwitchablePresence implements StaffPresence {
  online = true;
  async anyStaffOnline() {
    return this.online;
  }
}

/** A web process's conversation domain on the run's services, with a test clock and presence. */
export interface DomainHarness {
  redis: Redis;
  prefix: string;
  store: EventStore;
  bus: EventBus;
  clock: TestClock;
  presence: SwitchablePresence;
  config: HandoffConfigService;
  service: ConversationService;
  close(): Promise<void>;
}

export async function startDomain(): Promise<DomainHarness> {
  const { redisUrl, redisPrefix } = await connectDomain();
  const redis = await readyRedis(redisUrl, 'producer');
  const store = new EventStore({ redis, prefix: redisPrefix });
  const bus = new EventBus({ store, redis, prefix: redisPrefix, logger: quietLogger });
  const clock = new TestClock();
  const presence = new SwitchablePresence();
  const config = new HandoffConfigService({ cacheMs: 0, messageMaxChars: DEFAULT_MESSAGE_MAX_CHARS });
  const service = createConversationService({
    events: bus,
    redis,
    prefix: redisPrefix,
    config,
    presence,
    replyPolicies: async () => defaultReplyPolicy('America/New_York'),
    logger: quietLogger,
    now: clock.now,
    messageMaxChars: DEFAULT_MESSAGE_MAX_CHARS,
  });
  return {
    redis,
    prefix: redisPrefix,
    store,
    bus,
    clock,
    presence,
    config,
    service,
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export const newId = () => new Types.ObjectId().toHexString();

/** A system line posted in a thread, as a new event (for tests of the event log and live delivery). */
export function systemLineEvent(
  ids: { tenantId: string; conversationId: string; userId: string },
  text: string,
  clientId = text,
): NewEvent<'message.posted'> {
  return {
    tenantId: ids.tenantId,
    name: 'message.posted',
    conversationId: ids.conversationId,
    userId: ids.userId,
    actor: { role: 'system' },
    payload: {
      message: {
        id: newId(),
        conversationId: ids.conversationId,
        clientId,
        author: 'system',
        kind: 'message',
        text,
        citations: [],
        internal: false,
        createdAt: new Date().toISOString(),
      },
    },
  };
}
