import type { Redis } from 'ioredis';
import type { Logger } from '../lib/logger.js';
import { addKeyed } from './keyed-sets.js';
import {
  LIVE_TOPICS,
  type LiveBus,
  type LiveListener,
  type LiveTopic,
  liveChannel,
  livePattern,
} from './live-bus.js';

/** What a {@link RedisLiveBus} needs. */
export interface RedisLiveBusDeps {
  /** The process's fail-fast (producer) connection: publishes go out with its other commands. */
  publisher: Redis;
  /**
   * A dedicated connection (purpose `subscriber`) the bus listens on and closes; without it the bus only
   * publishes (worker processes, tools).
   */
  subscriber?: Redis;
  prefix: string;
  logger?: Logger;
  /**
   * The topics to listen to (default: all). A worker process listens to `settings` only: it serves no live
   * clients, so tokens and presence would be traffic for nothing.
   */
  topics?: readonly LiveTopic[];
}

/**
 * The {@link LiveBus} on Redis pub/sub. One pattern subscription per topic, all on one connection, and one
 * message handler that routes each message by the pattern it matched to the topic's listeners: a web
 * process holds a single subscriber connection however many topics and live clients it serves. Listeners
 * are plain in-memory callbacks, so a client costs no Redis resource.
 */
export class RedisLiveBus implements LiveBus {
  private readonly listeners = new Map<LiveTopic, Set<LiveListener>>();
  private readonly readyListeners = new Set<() => void>();
  private readonly topicOfPattern = new Map<string, LiveTopic>();
  private started?: Promise<void>;
  private closed = false;

  constructor(private readonly deps: RedisLiveBusDeps) {
    for (const topic of deps.topics ?? LIVE_TOPICS)
      this.topicOfPattern.set(livePattern(deps.prefix, topic), topic);
  }

  channel(topic: LiveTopic, tenantId: string): string {
    return liveChannel(this.deps.prefix, topic, tenantId);
  }

  /** Subscribes to its topics (every topic by default); resolves when Redis confirmed it. Idempotent. */
  start(): Promise<void> {
    this.started ??= this.listen();
    return this.started;
  }

  private async listen(): Promise<void> {
    const { subscriber } = this.deps;
    if (!subscriber) throw new Error('a publish-only live bus cannot listen');
    subscriber.on('pmessage', (pattern: string, _channel: string, payload: string) =>
      this.fanOut(pattern, payload),
    );
    // ioredis resubscribes by itself after a reconnect; listeners read what they missed meanwhile.
    subscriber.on('ready', () => {
      if (this.closed) return;
      for (const listener of this.readyListeners) this.safely(listener, 'live bus ready listener failed');
    });
    await subscriber.psubscribe(...this.topicOfPattern.keys());
  }

  /** The one fan-out: a message goes to the in-process listeners of the topic whose pattern it matched. */
  private fanOut(pattern: string, payload: string): void {
    const topic = this.topicOfPattern.get(pattern);
    const listeners = topic && this.listeners.get(topic);
    if (!listeners) return;
    for (const listener of listeners) this.safely(() => listener(payload), `live ${topic} listener failed`);
  }

  private safely(work: () => void, what: string): void {
    try {
      work();
    } catch (error) {
      this.deps.logger?.warn({ err: error }, what);
    }
  }

  async publish(channel: string, payload: string): Promise<void> {
    await this.deps.publisher.publish(channel, payload).catch((error: unknown) => {
      this.deps.logger?.debug({ err: error, channel }, 'live publish failed');
    });
  }

  async publishAll(
    messages: readonly (readonly [channel: string, payload: string])[],
  ): Promise<(Error | null)[]> {
    if (messages.length === 0) return [];
    const pipeline = this.deps.publisher.pipeline();
    for (const [channel, payload] of messages) pipeline.publish(channel, payload);
    const replies = await pipeline.exec().catch((error: Error) => messages.map(() => [error, null] as const));
    return messages.map((_, i) => replies?.[i]?.[0] ?? null);
  }

  subscribe(topic: LiveTopic, listener: LiveListener): () => void {
    return addKeyed(this.listeners, topic, listener);
  }

  onReady(listener: () => void): () => void {
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }

  /** Unsubscribes, drops every listener and closes the subscriber connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.readyListeners.clear();
    const { subscriber } = this.deps;
    if (!subscriber) return;
    await subscriber.punsubscribe().catch(() => undefined);
    await subscriber.quit().catch(() => subscriber.disconnect());
  }
}
