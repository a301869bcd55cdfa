import type { Redis } from 'ioredis';
import type { ReadMarks } from '../../inbox/read-marks.js';

/** Read marks in Redis: one hash per staff member and tenant (thread id → ms). */
export class RedisReadMarks implements ReadMarks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(tenantId: string, userId: string) {
    return `${this.prefix}:inbox:${tenantId}:read:${userId}`;
  }

  async get(tenantId: string, userId: string, ids: readonly string[]): Promise<Array<number | undefined>> {
    if (!ids.length) return [];
    const marks = await this.redis.hmget(this.key(tenantId, userId), ...ids);
    return marks.map((mark) => (mark === null ? undefined : Number(mark)));
  }

  async mark(tenantId: string, userId: string, conversationId: string, at: number): Promise<void> {
    await this.redis.hset(this.key(tenantId, userId), conversationId, String(at));
  }
}
