import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../lib/logger.js';

/** A process's mark for a thread counts as "connected" while it was refreshed this recently. */
export const LEARNER_CONNECTED_TTL_MS = 60_000;
/** Each process re-marks its open learner streams this often (well inside the TTL). */
const REFRESH_MS = 20_000;
/** How long the "last seen" time of a thread is kept (replies older than this were long followed up). */
const SEEN_TTL_SECONDS = 30 * 24 * 3600;

/** Whether a learner is on their chat now, and when they last had it open. */
export interface LearnerPresenceStatus {
  connected: boolean;
  /** The last time the learner had the chat open (page load or open live stream); absent: unknown. */
  seenAt?: Date;
}

/**
 * Learner presence shared by every web process, for the follow-up email: a thread's learner counts as
 * connected while some process has a live chat stream of theirs open. Each process keeps a local count of
 * open streams per thread and holds one mark per thread in Redis (a sorted set of process id → last
 * refresh), refreshed in one pipeline every 20 s — not one Redis call per connection and heartbeat. A
 * process that dies stops refreshing and its marks age out. Alongside, the thread's "seen" time: the page
 * loading the history, a stream opening, staying open and closing all advance it, so a staff reply older
 * than it was on the learner's screen.
 */
export class LearnerPresence {
  private readonly processId = randomUUID();
  /** `tenant|conversation` → open streams in this process. */
  private readonly local = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly deps: { redis: Redis; prefix: string; logger?: Logger }) {}

  private liveKey(tenantId: string, conversationId: string) {
    return `${this.deps.prefix}:presence:learner:${tenantId}:${conversationId}`;
  }
  private seenKey(tenantId: string, conversationId: string) {
    return `${this.deps.prefix}:presence:learner-seen:${tenantId}:${conversationId}`;
  }

  /** The learner loaded their thread (history shown): everything posted until now was on screen. */
  async seen(tenantId: string, conversationId: string, now = Date.now()): Promise<void> {
    await this.deps.redis
      .set(this.seenKey(tenantId, conversationId), String(now), 'EX', SEEN_TTL_SECONDS)
      .catch((error) => this.deps.logger?.warn({ err: error }, 'learner presence write failed'));
  }

  /** A live chat stream opened; call the returned function when it closes. */
  connect(tenantId: string, conversationId: string): () => void {
    const id = `${tenantId}|${conversationId}`;
    const count = (this.local.get(id) ?? 0) + 1;
    this.local.set(id, count);
    if (count === 1) void this.mark(tenantId, conversationId, true);
    this.startRefresh();
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      const left = (this.local.get(id) ?? 1) - 1;
      if (left > 0) {
        this.local.set(id, left);
        void this.seen(tenantId, conversationId);
        return;
      }
      this.local.delete(id);
      void this.mark(tenantId, conversationId, false);
      if (this.local.size === 0) this.stopRefresh();
    };
  }

  /** Connected now (any process) and the last time the learner had the chat open. */
  async status(tenantId: string, conversationId: string, now = Date.now()): Promise<LearnerPresenceStatus> {
    const [connections, seen] = await Promise.all([
      this.deps.redis.zcount(this.liveKey(tenantId, conversationId), now - LEARNER_CONNECTED_TTL_MS, '+inf'),
      this.deps.redis.get(this.seenKey(tenantId, conversationId)),
    ]);
    const seenMs = seen ? Number(seen) : Number.NaN;
    return {
      connected: connections > 0,
      ...(Number.isFinite(seenMs) ? { seenAt: new Date(seenMs) } : {}),
    };
  }

  /** Stops refreshing and removes this process's marks (shutdown). */
  async close(): Promise<void> {
    this.stopRefresh();
    const entries = [...this.local.keys()];
    this.local.clear();
    if (entries.length === 0) return;
    const now = Date.now();
    const multi = this.deps.redis.multi();
    for (const entry of entries) {
      const [tenantId = '', conversationId = ''] = entry.split('|');
      multi
        .zrem(this.liveKey(tenantId, conversationId), this.processId)
        .set(this.seenKey(tenantId, conversationId), String(now), 'EX', SEEN_TTL_SECONDS);
    }
    await multi.exec().catch(() => undefined);
  }

  private async mark(tenantId: string, conversationId: string, open: boolean) {
    const now = Date.now();
    const live = this.liveKey(tenantId, conversationId);
    const multi = this.deps.redis.multi();
    if (open) multi.zadd(live, now, this.processId).pexpire(live, LEARNER_CONNECTED_TTL_MS * 2);
    else multi.zrem(live, this.processId);
    multi.set(this.seenKey(tenantId, conversationId), String(now), 'EX', SEEN_TTL_SECONDS);
    await multi
      .exec()
      .catch((error) => this.deps.logger?.warn({ err: error }, 'learner presence write failed'));
  }

  private startRefresh() {
    if (this.timer) return;
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  private stopRefresh() {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pipeline for every thread with an open stream here. */
  private async refresh() {
    if (this.local.size === 0) return;
    const now = Date.now();
    const pipeline = this.deps.redis.pipeline();
    for (const entry of this.local.keys()) {
      const [tenantId = '', conversationId = ''] = entry.split('|');
      const live = this.liveKey(tenantId, conversationId);
      pipeline
        .zadd(live, now, this.processId)
        .pexpire(live, LEARNER_CONNECTED_TTL_MS * 2)
        .set(this.seenKey(tenantId, conversationId), String(now), 'EX', SEEN_TTL_SECONDS);
    }
    await pipeline
      .exec()
      .catch((error) => this.deps.logger?.warn({ err: error }, 'learner presence refresh failed'));
  }
}
