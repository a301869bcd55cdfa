import type { Redis } from 'ioredis';
import { QUEUE_NAMES } from '../../jobs/queues.js';

/**
 * The keys under the prefix with one of `ids` as a segment of their name (`<prefix>:thread:<tenant>:<user>:…`),
 * BullMQ's own keys left out: those are jobs and queue lists, removed through the queue (see
 * queued-jobs.ts), never key by key. One SCAN of the prefix: an admin action, not a hot path.
 */
export async function keysNaming(redis: Redis, prefix: string, ids: Iterable<string>): Promise<string[]> {
  const wanted = new Set(ids);
  if (!wanted.size) return [];
  const queueSpaces = QUEUE_NAMES.map((name) => `${prefix}:${name}:`);
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      if (queueSpaces.some((space) => key.startsWith(space))) continue;
      if (key.split(':').some((segment) => wanted.has(segment))) found.push(key);
    }
  } while (cursor !== '0');
  return found;
}

/**
 * Takes a person out of Redis beyond their threads (see eraseThreadsFromRedis): every key naming them (open-
 * thread pointers, inbox read marks, message rate counters, request rate counters), their staff presence
 * (inbox presence, display name, viewer and typing sets of any thread). Returns counts by kind.
 */
export async function eraseUserFromRedis(
  redis: Redis,
  prefix: string,
  tenantId: string,
  userId: string,
): Promise<Record<string, number>> {
  const keys = await keysNaming(redis, prefix, [userId]);
  const userKeys = keys.length ? await redis.unlink(...keys) : 0;
  const presenceBase = `${prefix}:presence:${tenantId}`;
  let presence =
    Number(await redis.zrem(`${presenceBase}:inbox`, userId)) +
    Number(await redis.hdel(`${presenceBase}:names`, userId));
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${presenceBase}:thread:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of found) presence += Number(await redis.zrem(key, userId).catch(() => 0));
  } while (cursor !== '0');
  return { userKeys, presence };
}

/** Drops the Redis copies of some threads (document and message lists); they are read again from the database. */
export async function dropThreadCopies(
  redis: Redis,
  prefix: string,
  ids: readonly string[],
): Promise<number> {
  if (!ids.length) return 0;
  const keys = ids.flatMap((id) => [
    `${prefix}:conversation:${id}`,
    `${prefix}:messages:${id}`,
    `${prefix}:messages:complete:${id}`,
  ]);
  let count = 0;
  for (let i = 0; i < keys.length; i += 500) count += await redis.unlink(...keys.slice(i, i + 500));
  return count;
}
