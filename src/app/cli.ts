import { type Config, ConfigError, loadConfig } from '../config/env.js';
import { connectMongo, disconnectMongo } from '../db/mongo.js';
import { AppError } from '../lib/errors.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { startLtijs, stopLtijs } from '../lti/ltijs.js';
import { runningEmbeddedServices } from './embedded-services.js';

/** The configured URLs, or those of the embedded services of a running `npm start`. */
export function serviceUrls(config: Config): { mongoUrl?: string; redisUrl?: string } {
  const running = runningEmbeddedServices(config.DATA_DIR);
  return {
    mongoUrl: config.MONGODB_URL ?? running?.mongoUrl,
    redisUrl: config.REDIS_URL ?? running?.redisUrl,
  };
}

export interface CliContext {
  logger: Logger;
  mongoUrl: string;
  redisUrl?: string;
}

/**
 * Runs a command-line task against the configured database (or the embedded one of a running
 * `npm start`), printing errors as one plain line and exiting 1, never a stack trace for expected errors.
 */
export async function runCli(
  task: (context: CliContext) => Promise<void>,
  options: { ltijs?: boolean } = {},
) {
  let exitCode = 0;
  try {
    const config = loadConfig();
    const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'chatref-cli' });
    const { mongoUrl, redisUrl } = serviceUrls(config);
    if (!mongoUrl) {
      throw new AppError(
        'bad_request',
        'Set MONGODB_URL, or start the product with `npm start` in another terminal first.',
      );
    }
    await connectMongo(mongoUrl, logger, { timeoutMs: 10_000 });
    if (options.ltijs) await startLtijs({ encryptionKey: config.LTI_ENCRYPTION_KEY, mongoUrl });
    try {
      await task({ logger, mongoUrl, redisUrl });
    } finally {
      if (options.ltijs) await stopLtijs();
      await disconnectMongo();
    }
  } catch (error) {
    exitCode = 1;
    if (error instanceof ConfigError)
      for (const problem of error.problems) console.error(`configuration error: ${problem}`);
    else if (error instanceof AppError) console.error(`error: ${error.message}`);
    else console.error(`error: ${(error as Error).message}`);
  }
  process.exit(exitCode);
}
