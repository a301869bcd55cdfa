import type { Redis } from 'ioredis';
import type { Config } from '../config/env.js';
import type { ConversationDomain } from '../conversations/conversation-domain.js';
import type { InboxIndex } from '../inbox/inbox-index.js';
import type { TeamService } from '../inbox/teams.js';
import type { Logger } from '../lib/logger.js';
import type { ClockStore } from '../sla/clock-store.js';
import type { DigestMarks } from '../sla/digest-marks.js';
import type { TenantSlaProvider } from '../sla/sla-plan.js';
import type { TimerSets } from '../sla/timer-sets.js';
import { storedInboxIndex, storedTeams } from '../storage/inbox/create-inbox.js';
import { RedisDigestMarks } from '../storage/sla/redis-digest-marks.js';
import { slaStorage } from '../storage/sla/sla-storage.js';
import { storedTenantSlas } from '../storage/sla/stored-sla-settings.js';
import type { Queues } from './queues.js';

/** The storage the SLA handlers work through (clocks, timer sets, digest marks, the inbox index, teams). */
export interface SlaPorts {
  clocks: ClockStore;
  timers: TimerSets;
  digestMarks: DigestMarks;
  /** Reads the inbox lists for the review digest. */
  inboxIndex: InboxIndex;
  /** The tenants' teams (escalations tell the leads of a thread's team). */
  teams: TeamService;
}

/**
 * What job handlers of the SLA and notification queues work with, built once per worker process:
 * the conversation domain (its bus emits `sla.*` events so inboxes update live), the queues (a handler
 * schedules the next step) and the configuration (SMTP, public URL).
 */
export interface JobServices {
  config: Config;
  logger: Logger;
  /** The fail-fast producer connection. */
  redis: Redis;
  queues: Queues;
  conversations: ConversationDomain;
  /** Each tenant's SLA (calendar, policies, escalation); tests pass one with targets of a few seconds. */
  sla: TenantSlaProvider;
  slaPorts: SlaPorts;
}

/**
 * The job services of a process with the product's storage: clocks in MongoDB, their locks, timer sets,
 * digest marks and the inbox index in Redis, teams and SLA settings from MongoDB (`sla`: the tenants'
 * saved settings unless given).
 */
export function createJobServices(
  base: Omit<JobServices, 'sla' | 'slaPorts'> & { sla?: TenantSlaProvider },
): JobServices {
  const prefix = base.config.REDIS_PREFIX;
  const { store, timers } = slaStorage(base);
  return {
    ...base,
    sla: base.sla ?? storedTenantSlas(),
    slaPorts: {
      clocks: store,
      timers,
      digestMarks: new RedisDigestMarks(base.redis, prefix),
      // One index reader per worker process (it holds nothing but its connection and a team cache).
      inboxIndex: storedInboxIndex({ redis: base.redis, prefix, logger: base.logger }),
      teams: storedTeams(),
    },
  };
}
