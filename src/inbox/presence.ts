import type { Redis } from 'ioredis';
import type { Logger } from '../lib/logger.js';

/** Someone in a thread. */
export interface PresencePerson {
  userId: string;
  name?: string;
}

/** Who is viewing and who is typing in a thread right now. */
export interface PresenceState {
  conversationId: string;
  viewers: PresencePerson[];
  typing: PresencePerson[];
}

interface PresenceMessage extends PresenceState {
  tenantId: string;
  courseId?: string;
}

export type PresenceSink = (state: PresenceState & { courseId?: string }) => void;

/** A viewer counts while heartbeats keep coming (the page sends one at least every 15 s). */
export const VIEWER_TTL_MS = 35_000;
/** "Typing" fades quickly unless repeated. */
export const TYPING_TTL_MS = 8_000;

/**
 * Per-thread presence of staff in Redis (sorted sets of user id → last heartbeat, so entries expire by
 * time and the keys themselves expire when a thread goes quiet), fanned out to every web process's inbox
 * live channels over one pattern subscription.
 */
export class InboxPresence {
  private readonly sinks = new Map<string, Set<PresenceSink>>();
  private started = false;

  constructor(private readonly deps: { redis: Redis; subscriber: Redis; prefix: string; logger?: Logger }) {}

  private key(tenantId: string, conversationId: string, kind: 'viewers' | 'typing') {
    return `${this.deps.prefix}:inbox:${tenantId}:presence:${conversationId}:${kind}`;
  }
  private namesKey(tenantId: string) {
    return `${this.deps.prefix}:inbox:${tenantId}:presence-names`;
  }
  private channel(tenantId: string) {
    return `${this.deps.prefix}:inbox-presence:${tenantId}`;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.deps.subscriber.on('pmessage', (_pattern: string, _channel: string, raw: string) => {
      try {
        const message = JSON.parse(raw) as PresenceMessage;
        const { tenantId, ...state } = message;
        for (const sink of this.sinks.get(tenantId) ?? []) sink(state);
      } catch (error) {
        this.deps.logger?.warn({ err: error }, 'unreadable inbox presence message');
      }
    });
    await this.deps.subscriber.psubscribe(`${this.deps.prefix}:inbox-presence:*`);
  }

  /** Hears every presence change of a tenant; returns the function that stops listening. */
  listen(tenantId: string, sink: PresenceSink): () => void {
    let set = this.sinks.get(tenantId);
    if (!set) {
      set = new Set();
      this.sinks.set(tenantId, set);
    }
    set.add(sink);
    return () => {
      set.delete(sink);
      if (set.size === 0) this.sinks.delete(tenantId);
    };
  }

  /** A heartbeat from a thread page (typing or not); publishes the new state. */
  async touch(input: {
    tenantId: string;
    conversationId: string;
    courseId?: string;
    person: PresencePerson;
    typing?: boolean;
  }): Promise<PresenceState> {
    const now = Date.now();
    const viewers = this.key(input.tenantId, input.conversationId, 'viewers');
    const typing = this.key(input.tenantId, input.conversationId, 'typing');
    const multi = this.deps.redis
      .multi()
      .zadd(viewers, now, input.person.userId)
      .pexpire(viewers, VIEWER_TTL_MS * 2);
    if (input.typing) multi.zadd(typing, now, input.person.userId).pexpire(typing, TYPING_TTL_MS * 2);
    else multi.zrem(typing, input.person.userId);
    if (input.person.name) multi.hset(this.namesKey(input.tenantId), input.person.userId, input.person.name);
    multi.expire(this.namesKey(input.tenantId), 86_400);
    await multi.exec();
    const state = await this.state(input.tenantId, input.conversationId);
    await this.deps.redis
      .publish(
        this.channel(input.tenantId),
        JSON.stringify({
          tenantId: input.tenantId,
          courseId: input.courseId,
          ...state,
        } satisfies PresenceMessage),
      )
      .catch(() => undefined);
    return state;
  }

  /** Who is viewing and typing now. */
  async state(tenantId: string, conversationId: string): Promise<PresenceState> {
    const now = Date.now();
    const [viewerIds, typingIds] = await Promise.all([
      this.deps.redis.zrangebyscore(
        this.key(tenantId, conversationId, 'viewers'),
        now - VIEWER_TTL_MS,
        '+inf',
      ),
      this.deps.redis.zrangebyscore(
        this.key(tenantId, conversationId, 'typing'),
        now - TYPING_TTL_MS,
        '+inf',
      ),
    ]);
    const ids = [...new Set([...viewerIds, ...typingIds])];
    const names = ids.length ? await this.deps.redis.hmget(this.namesKey(tenantId), ...ids) : [];
    const nameOf = new Map(ids.map((id, i) => [id, names[i] ?? undefined]));
    const person = (userId: string): PresencePerson => {
      const name = nameOf.get(userId);
      return name ? { userId, name } : { userId };
    };
    return { conversationId, viewers: viewerIds.map(person), typing: typingIds.map(person) };
  }

  async close(): Promise<void> {
    await this.deps.subscriber.quit().catch(() => this.deps.subscriber.disconnect());
  }
}
