import type { Redis } from 'ioredis';

/**
 * One OIDC login in progress: created at /lti/login and spent by the launch it belongs to, so a state
 * and its nonce work once. Kept in Redis (shared by every web process, expiring by itself).
 */
export interface LaunchState {
  state: string;
  nonce: string;
  /** Secret put in the browser (cookie, or LMS platform storage) to prove the launch comes back to it. */
  binding: string;
  issuer: string;
  clientId: string;
  /** Where platform storage lives when the LMS offers it (lti_storage_target), e.g. "_parent". */
  storageTarget?: string;
  /** The login request's parameters, to restart the launch in a new window when cookies are blocked. */
  loginParams: Record<string, string>;
  /** When the state stops working (ms since the epoch); set by the store. */
  expiresAt?: number;
}

/** How long a user may take between the LMS redirect and the launch post. */
export const LAUNCH_STATE_TTL_SECONDS = 600;

export class LaunchStateStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(state: string) {
    return `${this.prefix}:lti:state:${state}`;
  }

  async save(record: LaunchState): Promise<void> {
    const expiresAt = Date.now() + LAUNCH_STATE_TTL_SECONDS * 1000;
    await this.redis.set(
      this.key(record.state),
      JSON.stringify({ ...record, expiresAt }),
      'EX',
      LAUNCH_STATE_TTL_SECONDS,
    );
  }

  /** Spends the state atomically: of two posts with the same state, only one gets it. */
  async take(state: string): Promise<LaunchState | null> {
    const value = await this.redis.getdel(this.key(state));
    return value ? (JSON.parse(value) as LaunchState) : null;
  }

  /**
   * Puts a taken state back, unspent, for the rest of its lifetime: the launch asks the browser to prove
   * itself through platform storage first. (Taking first keeps the common launch to one round trip.)
   */
  async putBack(record: LaunchState): Promise<void> {
    const remainingMs = (record.expiresAt ?? 0) - Date.now();
    if (remainingMs <= 0) return;
    await this.redis.set(this.key(record.state), JSON.stringify(record), 'PX', remainingMs, 'NX');
  }
}
