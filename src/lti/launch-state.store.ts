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
    await this.redis.set(this.key(record.state), JSON.stringify(record), 'EX', LAUNCH_STATE_TTL_SECONDS);
  }

  /** Reads without spending (to decide whether the browser can still prove itself). */
  async peek(state: string): Promise<LaunchState | null> {
    const value = await this.redis.get(this.key(state));
    return value ? (JSON.parse(value) as LaunchState) : null;
  }

  /** Spends the state atomically: of two posts with the same state, only one gets it. */
  async take(state: string): Promise<LaunchState | null> {
    const value = await this.redis.getdel(this.key(state));
    return value ? (JSON.parse(value) as LaunchState) : null;
  }
}
