import mongoose from 'mongoose';
import type { Logger } from '../lib/logger.js';
import { safeUrl } from '../lib/logger.js';
import { waitUntilReachable } from '../lib/retry.js';
import { withTimeout } from '../lib/timeout.js';
import { buildDeclaredIndexes } from './indexes.js';

/**
 * Connects the shared mongoose instance, retrying with backoff while the server is unreachable.
 * Then builds the models' declared indexes (see {@link buildDeclaredIndexes}).
 */
export async function connectMongo(
  url: string,
  logger: Logger,
  options: { timeoutMs?: number; signal?: AbortSignal; slowMs?: number } = {},
): Promise<typeof mongoose> {
  mongoose.set('strictQuery', true);
  const slowMs = options.slowMs ?? 0;
  await waitUntilReachable(
    async () => {
      await mongoose.connect(url, {
        serverSelectionTimeoutMS: 3000,
        connectTimeoutMS: 3000,
        // Only when the slow log needs it; otherwise the URL decides (`?monitorCommands=true`).
        ...(slowMs > 0 ? { monitorCommands: true } : {}),
        // Built below, once, and only those the server can use (see buildDeclaredIndexes).
        autoIndex: false,
      });
      return mongoose;
    },
    { logger, what: `MongoDB at ${safeUrl(url)}`, ...options },
  );
  if (slowMs > 0) logSlowCommands(mongoose.connection.getClient(), logger, slowMs);
  await buildDeclaredIndexes(logger);
  logger.info({ db: mongoose.connection.name }, 'connected to MongoDB');
  return mongoose;
}

/**
 * Logs database commands slower than `slowMs`: the command, collection and the field names of its filter,
 * never the values (they hold people's names and messages). The client needs `monitorCommands: true`.
 */
export function logSlowCommands(client: mongoose.mongo.MongoClient, logger: Logger, slowMs: number): void {
  const started = new Map<number, { command: string; collection?: string; filter?: string[] }>();
  client.on('commandStarted', (event) => {
    const body = event.command as Record<string, unknown>;
    const collection = body[event.commandName];
    const query = (body.filter ??
      (body.updates as { q?: object }[] | undefined)?.[0]?.q ??
      (body.deletes as { q?: object }[] | undefined)?.[0]?.q ??
      body.query) as object | undefined;
    started.set(event.requestId, {
      command: event.commandName,
      collection: typeof collection === 'string' ? collection : undefined,
      filter: query ? Object.keys(query) : undefined,
    });
  });
  const finish = (event: { requestId: number; duration: number }, failed: boolean) => {
    const command = started.get(event.requestId);
    started.delete(event.requestId);
    if (command && event.duration >= slowMs)
      logger.warn({ ...command, ms: Math.round(event.duration), failed }, 'slow database command');
  };
  client.on('commandSucceeded', (event) => finish(event, false));
  client.on('commandFailed', (event) => finish(event, true));
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

const UNREACHABLE = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoTopologyClosedError',
  'MongoNotConnectedError',
  'PoolClearedError',
  'MongoPoolClearedError',
]);

/**
 * True when `error` says the database could not be reached (down, restarting, failing over), not that a
 * command was wrong: the request may succeed when repeated, so it is answered 503 rather than 500. The
 * driver reconnects by itself; nothing here needs to.
 */
export function isMongoUnavailable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause && depth < 5; depth++) {
    const { name, message } = cause as { name?: string; message?: string };
    if (name && UNREACHABLE.has(name)) return true;
    // Mongoose queues commands while disconnected and gives up after bufferTimeoutMS.
    if (name === 'MongooseError' && /buffering timed out/.test(message ?? '')) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

export async function disconnectMongo(): Promise<void> {
  await mongoose.disconnect();
}
