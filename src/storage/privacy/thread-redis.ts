import type { Redis } from 'ioredis';
import { type IndexDoc, listsOf, sortMember } from '../../inbox/index-doc.js';
import { slaKeys } from '../../sla/timer-scheduler.js';
import type { ThreadRef } from './thread-records.js';

/** Deletes every key matching a pattern (SCAN, never KEYS); returns how many went. */
export async function unlinkMatching(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length) count += await redis.unlink(...keys);
  } while (cursor !== '0');
  return count;
}

/**
 * Takes some threads of a tenant out of Redis: their thread documents, recent-message lists, activity
 * times, learner presence and viewer/typing sets, the open-thread pointers that still name them, their SLA
 * timer entries, their inbox index entries (lists, counts and the word index) and the tenant's recent-event
 * log (a cache of the database's events: readers go to the database when it is missing, and it starts
 * afresh with the next event). Short-lived locks are left to expire. Returns how many keys or entries went.
 */
export async function eraseThreadsFromRedis(
  redis: Redis,
  prefix: string,
  tenantId: string,
  threads: readonly ThreadRef[],
): Promise<Record<string, number>> {
  const removed: Record<string, number> = {};
  if (!threads.length) return removed;
  const ids = threads.map((thread) => String(thread.id));

  const keys = ids.flatMap((id) => [
    `${prefix}:messages:${id}`,
    `${prefix}:messages:complete:${id}`,
    `${prefix}:conversation:${id}`,
    `${prefix}:activity:${id}`,
    `${prefix}:presence:learner:${tenantId}:${id}`,
    `${prefix}:presence:learner-seen:${tenantId}:${id}`,
    `${prefix}:presence:${tenantId}:thread:${id}:viewers`,
    `${prefix}:presence:${tenantId}:thread:${id}:typing`,
  ]);
  removed.threadKeys = keys.length ? await redis.unlink(...keys) : 0;

  // Open-thread pointers: only those that still name an erased thread (a newer thread keeps its pointer).
  let pointers = 0;
  for (const thread of threads) {
    const key = `${prefix}:thread:${tenantId}:${thread.userId}:${thread.courseId ?? '-'}`;
    if ((await redis.get(key)) === String(thread.id)) pointers += await redis.unlink(key);
  }
  removed.threadPointers = pointers;

  const sla = slaKeys(prefix);
  removed.slaTimerEntries =
    Number(await redis.zrem(sla.pending, ...ids)) + Number(await redis.srem(sla.active, ...ids));

  removed.inboxEntries = await removeInboxEntries(redis, prefix, tenantId, ids);
  removed.eventLog = await redis.unlink(
    `${prefix}:events:log:${tenantId}`,
    `${prefix}:events:logbase:${tenantId}`,
  );
  return removed;
}

/**
 * Removes threads from a tenant's inbox index: each entry's list memberships (computed from the stored
 * entry, as the index wrote them), the entry, and the thread's id from every word set.
 */
async function removeInboxEntries(
  redis: Redis,
  prefix: string,
  tenantId: string,
  ids: readonly string[],
): Promise<number> {
  const base = `${prefix}:inbox:${tenantId}:x`;
  const docsKey = `${base}:docs`;
  const raws = await redis.hmget(docsKey, ...ids);
  const pipeline = redis.pipeline();
  let removed = 0;
  raws.forEach((raw, i) => {
    const id = ids[i] as string;
    if (!raw) return;
    removed++;
    const doc = JSON.parse(raw) as IndexDoc;
    const member = sortMember(id, doc);
    for (const list of listsOf(doc)) pipeline.zrem(`${base}:z:${list}`, member);
    pipeline.hdel(docsKey, id);
  });
  await pipeline.exec();
  // The word index: a set of thread ids per word (words from every message of the thread).
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${base}:tok:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) {
      const words = redis.pipeline();
      for (const key of keys) words.srem(key, ...ids);
      await words.exec();
    }
  } while (cursor !== '0');
  return removed;
}
