import mongoose from 'mongoose';
import type { Logger } from '../lib/logger.js';
import { safeUrl } from '../lib/logger.js';
import { waitUntilReachable } from '../lib/retry.js';
import { withTimeout } from '../lib/timeout.js';

/**
 * Connects the shared mongoose instance, retrying with backoff while the server is unreachable.
 * Indexes are built by each model at start-up (autoIndex) because FerretDB and MongoDB 7 both accept them.
 */
export async function connectMongo(
  url: string,
  logger: Logger,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<typeof mongoose> {
  mongoose.set('strictQuery', true);
  await waitUntilReachable(
    async () => {
      await mongoose.connect(url, { serverSelectionTimeoutMS: 3000, connectTimeoutMS: 3000 });
      return mongoose;
    },
    { logger, what: `MongoDB at ${safeUrl(url)}`, ...options },
  );
  logger.info({ db: mongoose.connection.name }, 'connected to MongoDB');
  return mongoose;
}

/** True when the database answers a ping within the time limit. */
export async function pingMongo(timeoutMs = 1000): Promise<boolean> {
  const db = mongoose.connection.db;
  if (!db || mongoose.connection.readyState !== 1) return false;
  try {
    await withTimeout(db.command({ ping: 1 }), timeoutMs);
    return true;
  } catch {
    return false;
  }
}

export async function disconnectMongo(): Promise<void> {
  await mongoose.disconnect();
}
