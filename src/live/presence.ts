import type { Redis } from 'ioredis';
import type { StaffPresence } from '../handoff/staff-presence.js';
import type { Logger } from '../lib/logger.js';
import { addKeyed } from './keyed-sets.js';
import type { LiveBus } from './live-bus.js';

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

/** A heartbeat of a staff member in a thread. */
export interface ThreadVisit {
  tenantId: string;
  conversationId: string;
  courseId?: string;
  person: PresencePerson;
  typing?: boolean;
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
/** Staff who left the inbox more than this long ago are trimmed from its set. */
const INBOX_KEEP_MS = 3600_000;

/**
 * Where staff are, shared by every web process, in one Redis layout per tenant
 * (`<prefix>:presence:<tenant>:…`): who has the inbox open (the handoff decision asks whether anyone
 * does, to promise a quick reply or a later one) and who is viewing and typing in which thread (shown in
 * the inbox). Each is a sorted set of user id → last heartbeat, so entries expire by time and the keys
 * themselves expire when nobody is around. Thread changes are fanned out to every process's inbox
 * streams over the live bus's `presence` topic.
 *
 * One instance per process, built by the process's wiring on its one live bus and handed to both the
 * conversation domain (as its `StaffPresence`) and the inbox. A worker's has no bus: it only reads the keys
 * for the handoff decision and fans nothing out.
 */
export class Presence implements StaffPresence {
  private readonly sinks = new Map<string, Set<PresenceSink>>();
  private stopListening?: () => void;

  constructor(private readonly deps: { redis: Redis; prefix: string; bus?: LiveBus; logger?: Logger }) {}

  private key(tenantId: string, ...rest: string[]) {
    return [this.deps.prefix, 'presence', tenantId, ...rest].join(':');
  }

  // ------------------------------------------------------------ the tenant's inbox (handoff decision)

  /** Records that an admin has the inbox open now (on connect and on each heartbeat). */
  async openedInbox(tenantId: string, userId: string, now = Date.now()): Promise<void> {
    const key = this.key(tenantId, 'inbox');
    // Trim old entries so the set never grows beyond the currently active staff.
    await this.deps.redis
      .multi()
      .zadd(key, now, userId)
      .zremrangebyscore(key, '-inf', now - INBOX_KEEP_MS)
      .expire(key, INBOX_KEEP_MS / 1000)
      .exec();
  }

  /** Records that an admin closed the inbox. */
  async closedInbox(tenantId: string, userId: string): Promise<void> {
    await this.deps.redis.zrem(this.key(tenantId, 'inbox'), userId);
  }

  async anyStaffOnline(tenantId: string, withinSeconds: number): Promise<boolean> {
    try {
      const since = Date.now() - withinSeconds * 1000;
      return (await this.deps.redis.zcount(this.key(tenantId, 'inbox'), since, '+inf')) > 0;
    } catch {
      // Unknown presence: promise the later reply time rather than a quick one we may not keep.
      return false;
    }
  }

  // ------------------------------------------------------------ threads (the inbox's viewers and typists)

  /** A heartbeat from a thread page (typing or not); publishes the thread's new state. */
  async visit(input: ThreadVisit): Promise<PresenceState> {
    const now = Date.now();
    const { tenantId, conversationId, person } = input;
    const viewers = this.key(tenantId, 'thread', conversationId, 'viewers');
    const typing = this.key(tenantId, 'thread', conversationId, 'typing');
    const names = this.key(tenantId, 'names');
    const multi = this.deps.redis
      .multi()
      .zadd(viewers, now, person.userId)
      .pexpire(viewers, VIEWER_TTL_MS * 2);
    if (input.typing) multi.zadd(typing, now, person.userId).pexpire(typing, TYPING_TTL_MS * 2);
    else multi.zrem(typing, person.userId);
    if (person.name) multi.hset(names, person.userId, person.name);
    multi.expire(names, 86_400);
    await multi.exec();
    const state = await this.state(tenantId, conversationId);
    const { bus } = this.deps;
    if (bus) {
      const message: PresenceMessage = { tenantId, courseId: input.courseId, ...state };
      await bus.publish(bus.channel('presence', tenantId), JSON.stringify(message));
    }
    return state;
  }

  /** Who is viewing and typing in a thread now. */
  async state(tenantId: string, conversationId: string): Promise<PresenceState> {
    const now = Date.now();
    const { redis } = this.deps;
    const [viewerIds, typingIds] = await Promise.all([
      redis.zrangebyscore(
        this.key(tenantId, 'thread', conversationId, 'viewers'),
        now - VIEWER_TTL_MS,
        '+inf',
      ),
      redis.zrangebyscore(
        this.key(tenantId, 'thread', conversationId, 'typing'),
        now - TYPING_TTL_MS,
        '+inf',
      ),
    ]);
    const ids = [...new Set([...viewerIds, ...typingIds])];
    const names = ids.length ? await redis.hmget(this.key(tenantId, 'names'), ...ids) : [];
    const nameOf = new Map(ids.map((id, i) => [id, names[i] ?? undefined]));
    const person = (userId: string): PresencePerson => {
      const name = nameOf.get(userId);
      return name ? { userId, name } : { userId };
    };
    return { conversationId, viewers: viewerIds.map(person), typing: typingIds.map(person) };
  }

  /** Hears every thread presence change of a tenant, from every process; returns the function that stops. */
  listen(tenantId: string, sink: PresenceSink): () => void {
    this.stopListening ??= this.deps.bus?.subscribe('presence', (raw) => this.onMessage(raw));
    return addKeyed(this.sinks, tenantId, sink);
  }

  private onMessage(raw: string): void {
    let message: PresenceMessage;
    try {
      message = JSON.parse(raw) as PresenceMessage;
    } catch (error) {
      this.deps.logger?.warn({ err: error }, 'unreadable presence message');
      return;
    }
    const { tenantId, ...state } = message;
    for (const sink of this.sinks.get(tenantId) ?? []) sink(state);
  }

  /** Stops listening (the bus and its connection stay with their owner). */
  close(): void {
    this.stopListening?.();
    this.stopListening = undefined;
    this.sinks.clear();
  }
}
