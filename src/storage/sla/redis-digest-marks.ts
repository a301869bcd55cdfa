import type { Redis } from 'ioredis';
import type { DigestMarks } from '../../sla/digest-marks.js';

// Moves a tenant's "last sent" from what the caller read (ARGV[1], '' = none) to ARGV[2]; 0 when another
// worker moved it first.
const ADVANCE = `
local cur = redis.call('get', KEYS[1]) or ''
if cur ~= ARGV[1] then return 0 end
redis.call('set', KEYS[1], ARGV[2])
return 1`;

/** Digest marks in Redis, one key per tenant. */
export class RedisDigestMarks implements DigestMarks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(tenantId: string) {
    return `${this.prefix}:sla:digest:${tenantId}:last`;
  }

  async lastSent(tenantId: string): Promise<string> {
    return (await this.redis.get(this.key(tenantId))) ?? '';
  }

  async advance(tenantId: string, from: string, to: string): Promise<boolean> {
    return Number(await this.redis.eval(ADVANCE, 1, this.key(tenantId), from, to)) === 1;
  }
}
