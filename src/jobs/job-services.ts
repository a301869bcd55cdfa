import type { Redis } from 'ioredis';
import type { Config } from '../config/env.js';
import type { ConversationDomain } from '../conversations/conversation-domain.js';
import type { Logger } from '../lib/logger.js';
import type { TenantSlaProvider } from '../sla/sla-plan.js';
import type { Queues } from './queues.js';

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
  /**
   * Each tenant's SLA (calendar, policies, escalation). Absent: the tenants' saved settings (`tenantSlas()`
   * of src/sla/tenant-sla.ts); tests pass one with targets of a few seconds.
   */
  sla?: TenantSlaProvider;
}
