import type { Redis } from 'ioredis';

/**
 * Whether any admin is watching a tenant's inbox right now (async capture when nobody is). The inbox's
 * live channel reports presence; handoff code only asks.
 */
export interface StaffPresence {
  anyStaffOnline(tenantId: string, withinSeconds: number): Promise<boolean>;
}

/** Presence that always answers the same (tests, single-process tools). */
export const fixedPresence = (online: boolean): StaffPresence => ({ anyStaffOnline: async () => online });

/**
 * Presence in Redis, shared by every web process: a sorted set per tenant of admin id → last seen time.
 * The inbox's live channel calls {@link RedisStaffPresence.touch} on connect and on each heartbeat.
 */
export class RedisStaffPresence implements StaffPresence {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(tenantId: string) {
    return `${this.prefix}:presence:staff:${tenantId}`;
  }

  /** Records that an admin has the inbox open now. */
  async touch(tenantId: string, userId: string, now = Date.now()): Promise<void> {
    const key = this.key(tenantId);
    // Trim entries older than an hour so the set never grows beyond the currently active staff.
    await this.redis
      .multi()
      .zadd(key, now, userId)
      .zremrangebyscore(key, '-inf', now - 3600_000)
      .expire(key, 3600)
      .exec();
  }

  /** Records that an admin closed the inbox. */
  async leave(tenantId: string, userId: string): Promise<void> {
    await this.redis.zrem(this.key(tenantId), userId);
  }

  async anyStaffOnline(tenantId: string, withinSeconds: number): Promise<boolean> {
    try {
      const count = await this.redis.zcount(this.key(tenantId), Date.now() - withinSeconds * 1000, '+inf');
      return count > 0;
    } catch {
      // Unknown presence: promise the later reply time rather than a quick one we may not keep.
      return false;
    }
  }
}
