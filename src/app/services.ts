import { type Assistant, createAssistant } from '../assistant/index.js';
import { ChatService } from '../chat/chat.service.js';
import type { ConversationDomain } from '../conversations/index.js';
import { registerJobListeners } from '../jobs/listeners.js';
import { KnowledgeIndexRegistry, KnowledgeService } from '../knowledge/index.js';
import { LeadService } from '../leads/lead.service.js';
import { createLeadIntentModel } from '../leads/lead-intent-model.js';
import { LiveHub, Presence, RedisLiveBus, TransientChannel } from '../live/index.js';
import { LearnerPresence } from '../notify/follow-up-presence.js';
import { createRedis } from '../redis/connection.js';
import { createConversationDomain } from '../storage/conversations/create-conversation-domain.js';
import { ConversationLocks } from '../storage/conversations/thread-lock.js';
import { createInbox, type InboxDomain, rebuildMissingIndexes } from '../storage/inbox/create-inbox.js';
import type { Runtime } from './runtime.js';
import { followSettingsChanges } from './settings-sync.js';

/** The domain services a web process uses, built once from the runtime's connections. */
export interface WebServices {
  knowledge: KnowledgeService;
  knowledgeIndex: KnowledgeIndexRegistry;
  assistant: Assistant;
  conversations: ConversationDomain;
  /** The process's live bus (publishing, e.g. a settings change, and its one subscription). */
  live: RedisLiveBus;
  /** Stored events to live clients of this process (one Redis subscription for all of them). */
  hub: LiveHub;
  /** Streamed tokens and typing signals across processes. */
  transient: TransientChannel;
  chat: ChatService;
  /** The admin inbox (list index, actions, presence). */
  inbox: InboxDomain;
  /** Whether learners are on their chat (learner follow-up emails wait for those who are not). */
  learnerPresence: LearnerPresence;
  /** Prospects' enquiries captured in the chat, and the Leads page. */
  leads: LeadService;
}

/**
 * Builds the web process's services and registers their shutdown. Domain code gets plain
 * dependencies (queues, Redis, config), never the HTTP layer.
 */
export async function createWebServices(runtime: Runtime): Promise<WebServices> {
  const { config, logger, redis, queues, lifecycle } = runtime;
  // One listening connection for the process: stored events, transient signals, presence, knowledge.
  const subscriber = createRedis(runtime.redisUrl, 'subscriber', logger);
  const live = new RedisLiveBus({ publisher: redis, subscriber, prefix: config.REDIS_PREFIX, logger });
  await live.start();
  lifecycle.onShutdown('live bus', () => live.close());
  const knowledgeIndex = new KnowledgeIndexRegistry({
    redis,
    bus: live,
    prefix: config.REDIS_PREFIX,
    logger,
  });
  await knowledgeIndex.start();
  lifecycle.onShutdown('knowledge index', () => knowledgeIndex.close());
  const assistant = createAssistant({ registry: knowledgeIndex, config, logger });
  // One presence for the process, on its bus: the inbox records admins and thread visits in it, and the
  // handoff decision asks it whether anyone is online.
  const presence = new Presence({ redis, prefix: config.REDIS_PREFIX, bus: live, logger });
  lifecycle.onShutdown('presence', () => presence.close());
  const conversations = createConversationDomain({
    redis,
    prefix: config.REDIS_PREFIX,
    logger,
    presence,
    messageMaxChars: config.MESSAGE_MAX_CHARS,
  });
  followSettingsChanges(live, { handoff: conversations.config });
  registerJobListeners(conversations.bus, queues, logger);
  const hub = new LiveHub({ bus: live, store: conversations.store, logger });
  hub.start();
  lifecycle.onShutdown('live hub', () => hub.close());
  const transient = new TransientChannel({ bus: live, logger });
  transient.start();
  lifecycle.onShutdown('transient channel', () => transient.close());
  const inbox = createInbox({
    conversations,
    presence,
    redis,
    prefix: config.REDIS_PREFIX,
    logger,
  });
  // Before the database goes: audit entries written behind the last actions.
  lifecycle.onShutdown('inbox audit log', () => inbox.service.drainAudit());
  // In the background: a tenant whose index is missing (Redis flushed) is rebuilt; lists wait for it.
  void rebuildMissingIndexes(inbox.index, { logger, stopping: () => lifecycle.isStopping }).catch((error) =>
    logger.warn({ err: error }, 'inbox index check failed'),
  );
  const learnerPresence = new LearnerPresence({ redis, prefix: config.REDIS_PREFIX, logger });
  lifecycle.onShutdown('learner presence', () => learnerPresence.close());
  const leadLocks = new ConversationLocks(redis, `${config.REDIS_PREFIX}:lead`);
  const leads = new LeadService({
    events: conversations.bus,
    exclusive: (leadId, work) => leadLocks.withLock(leadId, work),
  });
  return {
    live,
    inbox,
    leads,
    learnerPresence,
    knowledge: new KnowledgeService({ queues, config, redis, logger }),
    knowledgeIndex,
    assistant,
    conversations,
    hub,
    transient,
    chat: new ChatService({
      conversations: conversations.service,
      assistant,
      transient,
      events: conversations.store,
      logger,
      leads,
      // With a chat model configured, borderline enquiries are judged by it (rules decide clear ones).
      leadModel: createLeadIntentModel(config),
      background: (work) => lifecycle.track(work),
    }),
  };
}
