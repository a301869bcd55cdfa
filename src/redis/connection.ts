import type { Socket } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../lib/logger.js';
import { safeUrl } from '../lib/logger.js';
import { waitUntilReachable } from '../lib/retry.js';

/**
 * What a connection is for decides how it behaves while Redis is down:
 * - `worker`: BullMQ workers block on Redis and must retry forever (maxRetriesPerRequest: null);
 * - `producer`: web requests that enqueue or read must fail fast (no offline queue), so the caller can answer 503;
 * - `subscriber`: pub/sub listeners reconnect and resubscribe by themselves.
 */
export type RedisPurpose = 'worker' | 'producer' | 'subscriber';

const optionsFor: Record<RedisPurpose, RedisOptions> = {
  worker: { maxRetriesPerRequest: null, enableReadyCheck: false },
  producer: { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 3000 },
  subscriber: { maxRetriesPerRequest: null },
};

/** Opens a Redis connection for one purpose; errors are logged (ioredis would otherwise print them raw). */
export function createRedis(url: string, purpose: RedisPurpose, logger: Logger): Redis {
  const connection = new Redis(url, {
    ...optionsFor[purpose],
    lazyConnect: false,
    retryStrategy: (attempt) => Math.min(200 * 2 ** attempt, 5000),
  });
  // Web requests send several commands in one go (lock and reads, cache writes and publish).
  if (purpose === 'producer') connection.on('connect', () => coalesceWrites(connection));
  let lastLogged = 0;
  connection.on('error', (error: Error) => {
    // Redis down means an error per retry; one line every 10 s is enough to see it.
    if (Date.now() - lastLogged > 10_000) {
      lastLogged = Date.now();
      logger.warn(`Redis at ${safeUrl(url)} (${purpose}): ${error.message}`);
    }
  });
  return connection;
}

/**
 * Opens a Redis connection for one purpose and resolves once it takes commands. Why: a `producer`
 * connection fails a command sent while it is still connecting ("Stream isn't writeable") instead of
 * queueing it, so whatever uses one at once must wait for it first. Rejects after `timeoutMs`.
 */
export async function connectRedis(
  url: string,
  purpose: RedisPurpose,
  logger: Logger,
  timeoutMs = 15_000,
): Promise<Redis> {
  const connection = createRedis(url, purpose, logger);
  if (connection.status === 'ready') return connection;
  // Not events.once: it rejects at the first 'error', and ioredis reports each failed attempt before
  // retrying; the connection's own error logging already tells of them.
  let timer: NodeJS.Timeout | undefined;
  const ready = await new Promise<boolean>((resolve) => {
    connection.once('ready', () => resolve(true));
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  clearTimeout(timer);
  if (ready) return connection;
  connection.disconnect();
  throw new Error(`Redis at ${safeUrl(url)} (${purpose}) was not ready within ${timeoutMs} ms`);
}

/**
 * Sends the commands a connection is given within one tick of the event loop in one socket write
 * instead of one each. Why: ioredis writes every command to the socket as it is issued, and a write to a
 * local socket costs as much as the command itself (about a tenth of a millisecond on our 2-core
 * machines, where a take-over made fourteen such writes, eight once coalesced). The bytes and their
 * order are unchanged, so every ordering the code relies on (a put before the publish that tells of it)
 * holds; only the number of writes drops. Unlike ioredis' auto-pipelining, nothing waits for the next
 * turn of the loop, nor is reordered.
 */
export function coalesceWrites(connection: Redis): void {
  const socket = (connection as unknown as { stream?: Socket }).stream;
  if (!socket || typeof socket.cork !== 'function') return;
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let corked = false;
  socket.write = ((...args: unknown[]) => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(() => {
        corked = false;
        socket.uncork();
      });
    }
    return write(...args);
  }) as Socket['write'];
}

/** Waits (with backoff) until Redis answers PING, logging which server is missing. */
export async function waitForRedis(
  url: string,
  logger: Logger,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  await waitUntilReachable(
    async () => {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        await probe.ping();
      } finally {
        probe.disconnect();
      }
    },
    { logger, what: `Redis at ${safeUrl(url)}`, ...options },
  );
}

/**
 * True when `error` says Redis could not be reached (down or restarting): a `producer` connection fails
 * such commands at once instead of queueing them, and the request is answered 503 rather than 500.
 */
export function isRedisUnavailable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause && depth < 5; depth++) {
    const { name, message = '' } = cause as { name?: string; message?: string };
    if (name === 'MaxRetriesPerRequestError') return true;
    if (
      /enableOfflineQueue options is false|^Connection is closed|Reached the max retries per request/.test(
        message,
      )
    )
      return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

/** True when Redis answers PING within the time limit (never queues the command while disconnected). */
export async function pingRedis(connection: Redis, timeoutMs = 1000): Promise<boolean> {
  if (connection.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      connection.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
