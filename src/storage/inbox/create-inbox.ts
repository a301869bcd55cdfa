import type { Redis } from 'ioredis';
import type { ConversationDomain } from '../../conversations/conversation-domain.js';
import { InboxService } from '../../inbox/inbox.service.js';
import type { InboxDomain } from '../../inbox/inbox-domain.js';
import type { InboxIndex } from '../../inbox/inbox-index.js';
import type { InboxPresence } from '../../inbox/presence.js';
import { TeamService } from '../../inbox/teams.js';
import type { Logger } from '../../lib/logger.js';
import { TenantModel } from '../../tenants/tenant.model.js';
import { storedTenantSlas } from '../sla/stored-sla-settings.js';
import { MongoAuditStore } from './mongo-audit-store.js';
import { MongoCannedReplyStore } from './mongo-canned-reply-store.js';
import { MongoInboxSettingsStore } from './mongo-inbox-settings-store.js';
import { MongoTeamStore } from './mongo-team-store.js';
import { RedisInboxIndex } from './redis-inbox-index.js';
import { RedisReadMarks } from './redis-read-marks.js';

export type { InboxDomain } from '../../inbox/inbox-domain.js';

/**
 * Wires the inbox onto a process's conversation domain: the index follows every event this process emits
 * (before it is published), team changes re-route the tenant's threads, and staff presence is the
 * process's one (on its live bus), the same the conversation domain reads for the handoff decision.
 */
export function createInbox(deps: {
  conversations: Pick<ConversationDomain, 'bus' | 'service'>;
  /** The process's presence (src/live/presence.ts), shared with its conversation domain. */
  presence: InboxPresence;
  redis: Redis;
  prefix: string;
  logger?: Logger;
}): InboxDomain {
  const teams = storedTeams();
  const index = new RedisInboxIndex({ redis: deps.redis, prefix: deps.prefix, teams, logger: deps.logger });
  indexEvents(deps.conversations, index);
  teams.onChange = (tenantId) => {
    void index.rebuild(tenantId).catch((error) => deps.logger?.warn({ err: error }, 'inbox re-route failed'));
  };
  const { presence } = deps;
  const service = new InboxService({
    conversations: deps.conversations.service,
    index,
    teams,
    presence,
    reads: new RedisReadMarks(deps.redis, deps.prefix),
    settings: new MongoInboxSettingsStore(),
    canned: new MongoCannedReplyStore(),
    audit: new MongoAuditStore(),
    tenantSla: storedTenantSlas(),
    logger: deps.logger,
  });
  return { index, teams, presence, service };
}

/** Keeps an inbox index current from a conversation domain's events (every process that writes threads). */
function indexEvents(conversations: Pick<ConversationDomain, 'bus'>, index: InboxIndex): () => void {
  return conversations.bus.beforePublish((event) => index.handleEvent(event));
}

/**
 * Keeps the inbox index current from the events a worker process emits (SLA warnings and breaches,
 * escalations that raise priority or unassign): the index is updated before those events are published,
 * so an inbox that hears one reads the list as it now is.
 */
export function indexWorkerEvents(deps: {
  conversations: Pick<ConversationDomain, 'bus'>;
  redis: Redis;
  prefix: string;
  logger?: Logger;
}): InboxIndex {
  const index = storedInboxIndex(deps);
  indexEvents(deps.conversations, index);
  return index;
}

/** Teams as the product keeps them (MongoDB), cached per process (see TeamService). */
export function storedTeams(options: { cacheMs?: number } = {}): TeamService {
  return new TeamService({ ...options, store: new MongoTeamStore() });
}

/** A reader and writer of the inbox index in Redis, routing by the stored teams. */
export function storedInboxIndex(deps: { redis: Redis; prefix: string; logger?: Logger }): InboxIndex {
  return new RedisInboxIndex({
    redis: deps.redis,
    prefix: deps.prefix,
    teams: storedTeams(),
    logger: deps.logger,
  });
}

/**
 * Builds the index of every tenant that has none (after a Redis flush), one tenant after another, until
 * `stopping` says the process is shutting down: its connections are about to close, and the next process
 * to start checks again.
 */
export async function rebuildMissingIndexes(
  index: Pick<InboxIndex, 'ensureBuilt'>,
  options: { logger?: Logger; stopping: () => boolean },
): Promise<void> {
  const { logger, stopping } = options;
  const tenants = await TenantModel.find({}, { _id: 1 }).lean();
  for (const tenant of tenants) {
    if (stopping()) return;
    try {
      await index.ensureBuilt(String(tenant._id));
    } catch (error) {
      logger?.warn({ err: error, tenantId: String(tenant._id) }, 'inbox index rebuild failed');
    }
  }
}
