import type { Redis } from 'ioredis';
import { slaKeys } from '../../sla/timer-scheduler.js';
import type { TimerSets } from '../../sla/timer-sets.js';

/** The timer sets in Redis: a set of active threads and a sorted set (score: earliest timer, ms). */
export class RedisTimerSets implements TimerSets {
  private readonly keys: ReturnType<typeof slaKeys>;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = slaKeys(prefix);
  }

  async setActive(conversationId: string, active: boolean): Promise<void> {
    if (active) await this.redis.sadd(this.keys.active, conversationId);
    else await this.redis.srem(this.keys.active, conversationId);
  }

  async isActive(conversationId: string): Promise<boolean> {
    return (await this.redis.sismember(this.keys.active, conversationId)) === 1;
  }

  async setPending(conversationId: string, nextAt: Date | undefined): Promise<void> {
    if (nextAt) await this.redis.zadd(this.keys.pending, nextAt.getTime(), conversationId);
    else await this.redis.zrem(this.keys.pending, conversationId);
  }

  due(until: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.pending, 0, until, 'LIMIT', 0, limit);
  }

  async isBuilt(): Promise<boolean> {
    return (await this.redis.exists(this.keys.built)) === 1;
  }

  async markBuilt(): Promise<void> {
    await this.redis.set(this.keys.built, String(Date.now()));
  }
}
