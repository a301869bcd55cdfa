import type { Redis } from 'ioredis';
import { mongo } from 'mongoose';
import type { MessageView } from '../../conversations/conversation.views.js';

/** A thread document written through the cache stays an hour; one read from the database, a minute. */
const WRITTEN_DOC_TTL_SECONDS = 3600;
const READ_DOC_TTL_SECONDS = 60;
// Extended JSON keeps ObjectIds and dates as such (relaxed: numbers stay plain numbers).
const { EJSON } = mongo.BSON;

/** How many of a thread's newest messages Redis keeps (history pages and bot context are smaller). */
export const CACHED_MESSAGES = 200;
const TTL_SECONDS = 14 * 86_400;

// Appends one message view (JSON) and keeps the newest ARGV[2]. KEYS: list, complete flag.
const APPEND = `
redis.call('rpush', KEYS[1], ARGV[1])
redis.call('ltrim', KEYS[1], -tonumber(ARGV[2]), -1)
redis.call('expire', KEYS[1], ARGV[3])
return 1`;

// Fills the list from the database (ARGV[3..], oldest first), keeping entries appended meanwhile (newer,
// or patched), then marks it complete. Ids are read from the JSON text (views start with {"id":"…"}).
// KEYS: list, complete flag. ARGV: keep, ttl, views…
const FILL = `
local current = redis.call('lrange', KEYS[1], 0, -1)
local seen = {}
for _, raw in ipairs(current) do
  local id = string.match(raw, '^{"id":"(%w+)"')
  if id then seen[id] = true end
end
redis.call('del', KEYS[1])
for i = 3, #ARGV do
  local id = string.match(ARGV[i], '^{"id":"(%w+)"')
  if not (id and seen[id]) then redis.call('rpush', KEYS[1], ARGV[i]) end
end
for _, raw in ipairs(current) do redis.call('rpush', KEYS[1], raw) end
redis.call('ltrim', KEYS[1], -tonumber(ARGV[1]), -1)
redis.call('expire', KEYS[1], ARGV[2])
redis.call('set', KEYS[2], '1', 'EX', ARGV[2])
return 1`;

// Raises each given field of a hash to at least its value. KEYS: hash. ARGV: ttl, field, value, field, value…
const SET_ACTIVITY = `
for i = 2, #ARGV, 2 do
  local current = tonumber(redis.call('hget', KEYS[1], ARGV[i]) or '0')
  if tonumber(ARGV[i + 1]) > current then redis.call('hset', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
redis.call('expire', KEYS[1], ARGV[1])
return 1`;

// Replaces the entry of message ARGV[1] (if cached) with ARGV[2]. KEYS: list.
const REPLACE = `
local items = redis.call('lrange', KEYS[1], 0, -1)
local prefix = '{"id":"' .. ARGV[1] .. '"'
for i, raw in ipairs(items) do
  if string.sub(raw, 1, #prefix) == prefix then
    redis.call('lset', KEYS[1], i - 1, ARGV[2])
    return 1
  end
end
return 0`;

/**
 * Hot state of threads in Redis, so the chat's hot paths read no collection FerretDB would scan:
 * - the thread a user has open in a course (a pointer the caller verifies by `_id`);
 * - the newest messages of each thread as stored views (appended as messages are written, filled from
 *   the database on first read, patched when feedback changes them);
 * - activity times of threads the bot handles (see `ThreadDocuments.touch`);
 * - thread documents: every write of one happens under its lock and goes through here (taken out when the
 *   lock is granted or dropped before the database write, put back after it), so a cached document is
 *   never older than the database's.
 * The database stays the authority: a missing or unusable entry means "ask the database", never "none".
 * Every method swallows Redis errors and reports "not cached" instead: the caller falls back.
 */
export class ConversationCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private pointerKey(tenantId: string, userId: string, courseId?: string) {
    return `${this.prefix}:thread:${tenantId}:${userId}:${courseId ?? '-'}`;
  }

  private listKey(conversationId: string) {
    return `${this.prefix}:messages:${conversationId}`;
  }

  private completeKey(conversationId: string) {
    return `${this.prefix}:messages:complete:${conversationId}`;
  }

  private docKey(conversationId: string) {
    return `${this.prefix}:conversation:${conversationId}`;
  }

  /** A thread document as last written or read; null when not cached or Redis cannot answer. */
  async doc<T>(conversationId: string): Promise<T | null> {
    try {
      const raw = await this.redis.get(this.docKey(conversationId));
      return raw ? (EJSON.parse(raw, { relaxed: true }) as T) : null;
    } catch {
      return null;
    }
  }

  /**
   * Drops a thread document before it is written. Throws when Redis cannot answer: the write must not
   * go ahead and leave an older copy here.
   */
  async dropDoc(conversationId: string): Promise<void> {
    await this.redis.del(this.docKey(conversationId));
  }

  /**
   * Takes a thread document out of the cache (read and removed in one command). Sent right behind a lock
   * request, so the holder writes with no copy left to go stale. Throws when Redis cannot answer: the
   * holder must not write then.
   */
  async takeDoc<T>(conversationId: string): Promise<T | null> {
    const raw = await this.redis.getdel(this.docKey(conversationId));
    return raw ? (EJSON.parse(raw, { relaxed: true }) as T) : null;
  }

  /** Caches a thread document just written (under the thread's lock). */
  async putDoc(conversationId: string, doc: object): Promise<void> {
    await this.setDoc(conversationId, doc, WRITTEN_DOC_TTL_SECONDS);
  }

  /**
   * Caches a thread document read from the database, unless a writer has put a newer one meanwhile.
   * Briefly: should its writer stop between the database write and {@link putDoc}, a copy read just
   * before that write would otherwise outlive it.
   */
  async offerDoc(conversationId: string, doc: object): Promise<void> {
    await this.setDoc(conversationId, doc, READ_DOC_TTL_SECONDS, true);
  }

  private async setDoc(conversationId: string, doc: object, ttlSeconds: number, onlyIfAbsent = false) {
    const key = this.docKey(conversationId);
    const raw = EJSON.stringify(doc, { relaxed: true });
    const set = onlyIfAbsent
      ? this.redis.set(key, raw, 'EX', ttlSeconds, 'NX')
      : this.redis.set(key, raw, 'EX', ttlSeconds);
    await set.catch(() => undefined);
  }

  private activityKey(conversationId: string) {
    return `${this.prefix}:activity:${conversationId}`;
  }

  /** Activity times (ms since epoch) of a thread kept in Redis; empty when none or Redis cannot answer. */
  async activity(conversationId: string): Promise<Record<string, number>> {
    try {
      const raw = await this.redis.hgetall(this.activityKey(conversationId));
      return Object.fromEntries(Object.entries(raw).map(([field, value]) => [field, Number(value)]));
    } catch {
      return {};
    }
  }

  /** Records activity times of a thread (each field only ever moves forward). */
  async setActivity(conversationId: string, times: Record<string, Date>): Promise<void> {
    const args = Object.entries(times).flatMap(([field, at]) => [field, String(at.getTime())]);
    await this.redis.eval(SET_ACTIVITY, 1, this.activityKey(conversationId), String(TTL_SECONDS), ...args);
  }

  /** The id of the user's current thread in this course, if known. */
  async threadOf(tenantId: string, userId: string, courseId?: string): Promise<string | null> {
    return this.redis.get(this.pointerKey(tenantId, userId, courseId)).catch(() => null);
  }

  /** Remembers the user's current thread in this course. */
  async setThread(tenantId: string, userId: string, courseId: string | undefined, conversationId: string) {
    await this.redis
      .set(this.pointerKey(tenantId, userId, courseId), conversationId, 'EX', TTL_SECONDS)
      .catch(() => undefined);
  }

  /**
   * The newest `limit` cached messages of a thread (oldest first, every kind), and whether the cache
   * holds the thread's whole history; null when the cache cannot answer.
   */
  async messages(conversationId: string): Promise<{ messages: MessageView[]; all: boolean } | null> {
    try {
      const [complete, raw] = await this.redis
        .multi()
        .get(this.completeKey(conversationId))
        .lrange(this.listKey(conversationId), 0, -1)
        .exec()
        .then((replies) => (replies ?? []).map(([error, value]) => (error ? null : value)));
      if (complete !== '1' || !Array.isArray(raw)) return null;
      const messages = (raw as string[]).map((item) => JSON.parse(item) as MessageView);
      return { messages, all: messages.length < CACHED_MESSAGES };
    } catch {
      return null;
    }
  }

  /** Adds a newly stored message. */
  async append(message: MessageView): Promise<void> {
    const keys = [this.listKey(message.conversationId), this.completeKey(message.conversationId)];
    await this.redis
      .eval(APPEND, 2, ...keys, JSON.stringify(message), String(CACHED_MESSAGES), String(TTL_SECONDS))
      .catch(() => this.forget(message.conversationId));
  }

  /** Fills a thread's cache from the database's newest messages (oldest first). */
  async fill(conversationId: string, newest: MessageView[]): Promise<void> {
    await this.redis
      .eval(
        FILL,
        2,
        this.listKey(conversationId),
        this.completeKey(conversationId),
        String(CACHED_MESSAGES),
        String(TTL_SECONDS),
        ...newest.slice(-CACHED_MESSAGES).map((message) => JSON.stringify(message)),
      )
      .catch(() => undefined);
  }

  /** Replaces a cached message after it changed (feedback). */
  async replace(message: MessageView): Promise<void> {
    await this.redis
      .eval(REPLACE, 1, this.listKey(message.conversationId), message.id, JSON.stringify(message))
      .catch(() => this.forget(message.conversationId));
  }

  /** Drops a thread's cached messages (the next read fills them again from the database). */
  async forget(conversationId: string): Promise<void> {
    await this.redis
      .del(this.completeKey(conversationId), this.listKey(conversationId))
      .catch(() => undefined);
  }
}
