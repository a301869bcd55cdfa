import type { Redis } from 'ioredis';
import { InboxIndex } from '../../inbox/inbox-index.js';
import type { TeamRouting } from '../../inbox/teams.js';
import type { Logger } from '../../lib/logger.js';
import { MongoInboxIndexSource } from './mongo-inbox-source.js';
import { RedisInboxIndexStore } from './redis-inbox-index-store.js';

/** The inbox index as the product runs it: kept in Redis, rebuilt from MongoDB. */
export class RedisInboxIndex extends InboxIndex {
  constructor(deps: { redis: Redis; prefix: string; teams: TeamRouting; logger?: Logger }) {
    super({
      store: new RedisInboxIndexStore(deps.redis, deps.prefix),
      source: new MongoInboxIndexSource(),
      teams: deps.teams,
      logger: deps.logger,
    });
  }
}
