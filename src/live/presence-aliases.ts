import type { Redis } from 'ioredis';
import type { Logger } from '../lib/logger.js';
import { Presence, type PresenceState, type ThreadVisit } from './presence.js';
import { RedisLiveBus } from './redis-live-bus.js';

/**
 * {@link Presence} under the name and constructor the conversation domain's wiring uses
 * (`handoff/staff-presence.ts` re-exports it): the inbox side records admins with `touch`/`leave`, the
 * handoff decision asks `anyStaffOnline`. Same keys as every other presence reader.
 */
export class RedisStaffPresence extends Presence {
  constructor(redis: Redis, prefix: string) {
    super({ redis, prefix });
  }

  /** Records that an admin has the inbox open now. */
  touch(tenantId: string, userId: string, now = Date.now()): Promise<void> {
    return this.openedInbox(tenantId, userId, now);
  }

  /** Records that an admin closed the inbox. */
  leave(tenantId: string, userId: string): Promise<void> {
    return this.closedInbox(tenantId, userId);
  }
}

/**
 * {@link Presence} under the name and constructor the inbox's wiring uses (`inbox/presence.ts` re-exports
 * it). `subscriber` is the process's live bus connection: presence joins the bus already listening on it
 * (the web process's), and only builds one on it when none does.
 */
export class InboxPresence extends Presence {
  private readonly bus: RedisLiveBus;
  private readonly ownsBus: boolean;

  constructor(deps: { redis: Redis; subscriber: Redis; prefix: string; logger?: Logger }) {
    const existing = RedisLiveBus.listeningOn(deps.subscriber);
    const bus =
      existing ??
      new RedisLiveBus({
        publisher: deps.redis,
        subscriber: deps.subscriber,
        prefix: deps.prefix,
        logger: deps.logger,
      });
    super({ redis: deps.redis, prefix: deps.prefix, bus, logger: deps.logger });
    this.bus = bus;
    this.ownsBus = !existing;
  }

  /** Makes sure the bus listens (a no-op when the process's wiring started it). */
  start(): Promise<void> {
    return this.bus.start();
  }

  /** A heartbeat from a thread page (typing or not); publishes the new state. */
  touch(input: ThreadVisit): Promise<PresenceState> {
    return this.visit(input);
  }

  override async close(): Promise<void> {
    super.close();
    if (this.ownsBus) await this.bus.close();
  }
}
