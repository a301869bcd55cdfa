import type { Redis } from 'ioredis';
import type { Config } from '../config/env.js';
import type { Logger } from '../lib/logger.js';

/** Settings and connections the knowledge jobs work with, handed to them by the process that runs them. */
export interface KnowledgeRuntime {
  config: Config;
  /** A fail-fast connection to publish changes on; without one, readers converge by version checks. */
  redis?: Redis;
  logger?: Logger;
}
