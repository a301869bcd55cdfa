import type { Redis } from 'ioredis';
import type { Logger } from '../lib/logger.js';
import type { ChatTransientFrame } from './frames.js';

/** Short-lived signals that are not worth storing: streamed answer tokens and typing indicators. */
export interface TransientSignal {
  conversationId: string;
  /** Written to the thread's live clients as it is. */
  frame: ChatTransientFrame;
}

export type TransientSink = (signal: TransientSignal) => void;

/**
 * Fans transient signals out to every web process over Redis pub/sub (one pattern subscription per
 * process, sinks kept in memory per conversation). Nothing is replayed: a reconnecting client gets the
 * stored final message instead of the tokens it missed.
 */
export class TransientChannel {
  private readonly sinks = new Map<string, Set<TransientSink>>();
  private started = false;

  constructor(
    private readonly deps: { publisher: Redis; subscriber: Redis; prefix: string; logger?: Logger },
  ) {}

  private channel(tenantId: string) {
    return `${this.deps.prefix}:transient:${tenantId}`;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.deps.subscriber.on('pmessage', (_pattern: string, _channel: string, raw: string) => {
      try {
        const signal = JSON.parse(raw) as TransientSignal;
        for (const sink of this.sinks.get(signal.conversationId) ?? []) sink(signal);
      } catch (error) {
        this.deps.logger?.warn({ err: error }, 'unreadable transient signal');
      }
    });
    await this.deps.subscriber.psubscribe(`${this.deps.prefix}:transient:*`);
  }

  /** Sends a signal; never throws (a lost token is replaced by the stored answer). */
  async publish(tenantId: string, signal: TransientSignal): Promise<void> {
    await this.deps.publisher.publish(this.channel(tenantId), JSON.stringify(signal)).catch(() => undefined);
  }

  /** Listens to one conversation; returns the function that stops listening. */
  listen(conversationId: string, sink: TransientSink): () => void {
    let set = this.sinks.get(conversationId);
    if (!set) {
      set = new Set();
      this.sinks.set(conversationId, set);
    }
    set.add(sink);
    return () => {
      set.delete(sink);
      if (set.size === 0) this.sinks.delete(conversationId);
    };
  }

  async close(): Promise<void> {
    await this.deps.subscriber.quit().catch(() => this.deps.subscriber.disconnect());
  }
}
