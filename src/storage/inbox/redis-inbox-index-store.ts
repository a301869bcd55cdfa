import { createHash, randomUUID } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import type {
  EntryWrite,
  InboxIndexStore,
  IndexBulkWriter,
  StoredEntry,
} from '../../inbox/inbox-index-store.js';
import type { IndexDoc } from '../../inbox/index-doc.js';

// Compare-and-set of one thread's entry: applies only if the stored JSON is still what the caller read
// (or absent, for ''), then moves the member between sorted sets. Keys after KEYS[1] travel in ARGV: the
// index lives on one (non-cluster) Redis, like the rest of the product's state.
const APPLY = `
local cur = redis.call('hget', KEYS[1], ARGV[1]) or ''
if cur ~= ARGV[2] then return 0 end
local nr = tonumber(ARGV[6])
for i = 1, nr do redis.call('zrem', ARGV[6 + i], ARGV[4]) end
local na = tonumber(ARGV[7 + nr])
for i = 1, na do redis.call('zadd', ARGV[7 + nr + i], 0, ARGV[5]) end
if ARGV[3] == '' then redis.call('hdel', KEYS[1], ARGV[1]) else redis.call('hset', KEYS[1], ARGV[1], ARGV[3]) end
return 1`;
const APPLY_SHA = createHash('sha1').update(APPLY).digest('hex');

/** How long one process may hold a tenant's rebuild lock. */
const REBUILD_LOCK_MS = 300_000;

const parse = (raw: string | null | undefined): StoredEntry | null =>
  raw ? { doc: JSON.parse(raw) as IndexDoc, token: raw } : null;

/**
 * The inbox index in Redis. FerretDB only uses the `_id` index, so every inbox list and count is answered
 * here: one hash of compact JSON entries per tenant, lexicographically sorted sets (score 0, member = sort
 * key + id) per list, counts by ZCARD (ZINTERCARD for combined filters), and a word index (a set of thread
 * ids per word). An entry's token is its stored JSON.
 */
export class RedisInboxIndexStore implements InboxIndexStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  // ------------------------------------------------------------------ keys

  private base(tenantId: string) {
    return `${this.prefix}:inbox:${tenantId}:x`;
  }
  private docsKey(tenantId: string) {
    return `${this.base(tenantId)}:docs`;
  }
  private listKey(tenantId: string, list: string) {
    return `${this.base(tenantId)}:z:${list}`;
  }
  private wordKey(tenantId: string, word: string) {
    return `${this.base(tenantId)}:tok:${word}`;
  }
  private builtKey(tenantId: string) {
    return `${this.prefix}:inbox:${tenantId}:built`;
  }
  private lockKey(tenantId: string) {
    return `${this.prefix}:inbox:${tenantId}:rebuilding`;
  }

  // ------------------------------------------------------------------ entries

  async entries(tenantId: string, ids: readonly string[]): Promise<Array<StoredEntry | null>> {
    if (!ids.length) return [];
    if (ids.length === 1) return [parse(await this.redis.hget(this.docsKey(tenantId), ids[0] as string))];
    return (await this.redis.hmget(this.docsKey(tenantId), ...ids)).map(parse);
  }

  async has(tenantId: string, id: string): Promise<boolean> {
    return (await this.redis.hexists(this.docsKey(tenantId), id)) === 1;
  }

  async write(tenantId: string, write: EntryWrite): Promise<boolean> {
    const args = this.applyArgs(tenantId, write);
    try {
      return Number(await this.redis.evalsha(APPLY_SHA, 1, this.docsKey(tenantId), ...args)) === 1;
    } catch (error) {
      if (!String((error as Error).message).includes('NOSCRIPT')) throw error;
      return Number(await this.redis.eval(APPLY, 1, this.docsKey(tenantId), ...args)) === 1;
    }
  }

  private applyArgs(tenantId: string, write: EntryWrite): string[] {
    return [
      write.id,
      write.expected,
      write.next ? JSON.stringify(write.next) : '',
      write.oldMember,
      write.newMember,
      String(write.leave.length),
      ...write.leave.map((list) => this.listKey(tenantId, list)),
      String(write.join.length),
      ...write.join.map((list) => this.listKey(tenantId, list)),
    ];
  }

  async addWords(tenantId: string, id: string, words: readonly string[]): Promise<void> {
    if (!words.length) return;
    const pipeline = this.redis.pipeline();
    for (const word of words) pipeline.sadd(this.wordKey(tenantId, word), id);
    await pipeline.exec();
  }

  // ------------------------------------------------------------------ lists

  async counts(tenantId: string, groups: ReadonlyArray<readonly string[]>): Promise<number[]> {
    const pipeline = this.redis.pipeline();
    for (const lists of groups) {
      const keys = lists.map((list) => this.listKey(tenantId, list));
      if (keys.length <= 1) pipeline.zcard(keys[0] as string);
      else pipeline.call('zintercard', String(keys.length), ...keys);
    }
    const results = (await pipeline.exec()) ?? [];
    return groups.map((_, i) => {
      const [error, value] = results[i] ?? [];
      if (error) throw error;
      return Number(value ?? 0);
    });
  }

  sizes(tenantId: string, lists: readonly string[]): Promise<number[]> {
    return Promise.all(lists.map((list) => this.redis.zcard(this.listKey(tenantId, list))));
  }

  range(tenantId: string, list: string, after: string | undefined, limit: number): Promise<string[]> {
    return this.redis.zrangebylex(
      this.listKey(tenantId, list),
      after ? `(${after}` : '-',
      '+',
      'LIMIT',
      0,
      limit,
    );
  }

  async withWords(tenantId: string, words: readonly string[], limit: number): Promise<string[]> {
    const keys = words.map((word) => this.wordKey(tenantId, word));
    const ids =
      keys.length === 1
        ? await this.redis.srandmember(keys[0] as string, limit)
        : await this.redis.sinter(...keys);
    return ids.slice(0, limit);
  }

  // ------------------------------------------------------------------ rebuilding

  async isBuilt(tenantId: string): Promise<boolean> {
    return (await this.redis.exists(this.builtKey(tenantId))) === 1;
  }

  async markBuilt(tenantId: string): Promise<void> {
    await this.redis.set(this.builtKey(tenantId), String(Date.now()));
  }

  async lockRebuild(tenantId: string): Promise<string | null> {
    const token = randomUUID();
    const taken = await this.redis.set(this.lockKey(tenantId), token, 'PX', REBUILD_LOCK_MS, 'NX');
    return taken ? token : null;
  }

  async isRebuildLocked(tenantId: string): Promise<boolean> {
    return (await this.redis.exists(this.lockKey(tenantId))) === 1;
  }

  async unlockRebuild(tenantId: string, token: string): Promise<void> {
    if ((await this.redis.get(this.lockKey(tenantId))) === token)
      await this.redis.del(this.lockKey(tenantId));
  }

  async clear(tenantId: string): Promise<void> {
    await this.redis.del(this.builtKey(tenantId));
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.base(tenantId)}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await this.redis.unlink(...keys);
    } while (cursor !== '0');
    // The bulk writer sends EVALSHA in pipelines, where a missing script cannot fall back to EVAL.
    await this.redis.script('LOAD', APPLY);
  }

  bulk(tenantId: string): IndexBulkWriter {
    let pipeline: ChainableCommander = this.redis.pipeline();
    return {
      addWords: (id, words) => {
        for (const word of words) pipeline.sadd(this.wordKey(tenantId, word), id);
      },
      insert: (id, doc, member, join) => {
        const write = { id, expected: '', next: doc, oldMember: '', newMember: member, leave: [], join };
        pipeline.evalsha(APPLY_SHA, 1, this.docsKey(tenantId), ...this.applyArgs(tenantId, write));
      },
      flush: async () => {
        const sent = pipeline;
        pipeline = this.redis.pipeline();
        await sent.exec();
      },
    };
  }
}
