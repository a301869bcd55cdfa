import type { Redis } from 'ioredis';
import { type Config, loadConfig } from '../config/env.js';
import type { Logger } from '../lib/logger.js';

/** What a knowledge change message says: this tenant's source changed (or was removed). */
export interface KnowledgeChange {
  tenantId: string;
  sourceId?: string;
  /** The tenant's knowledge version after the change. */
  version: number;
}

/** Redis pub/sub channel of knowledge changes. */
export const knowledgeChannel = (prefix: string) => `${prefix}:knowledge`;

/** Settings and connections the knowledge module uses outside a request (in jobs). */
export interface KnowledgeRuntime {
  config: Config;
  /** A fail-fast connection to publish changes on; without one, readers converge by version checks. */
  redis?: Redis;
  logger?: Logger;
}

let current: KnowledgeRuntime | undefined;

/**
 * Hands the process's config and Redis connection to the knowledge jobs (call once per process that
 * runs workers, e.g. with the Runtime). Jobs fall back to `loadConfig()` and version-check-only
 * convergence when nobody did.
 */
export function configureKnowledge(runtime: KnowledgeRuntime): void {
  current = runtime;
}

/** The configured runtime, or one made from the environment. */
export function knowledgeRuntime(): KnowledgeRuntime {
  current ??= { config: loadConfig() };
  return current;
}

/** Publishes a change; never throws (a missed message is caught up by the version check). */
export async function publishKnowledgeChange(
  redis: Redis | undefined,
  prefix: string,
  change: KnowledgeChange,
  logger?: Logger,
): Promise<void> {
  if (!redis) return;
  try {
    await redis.publish(knowledgeChannel(prefix), JSON.stringify(change));
  } catch (error) {
    logger?.warn({ err: error, tenantId: change.tenantId }, 'could not publish a knowledge change');
  }
}
