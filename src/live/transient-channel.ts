import type { Logger } from '../lib/logger.js';
import type { ChatTransientFrame } from './frames.js';
import { addKeyed } from './keyed-sets.js';
import type { LiveBus } from './live-bus.js';

/** Short-lived signals that are not worth storing: streamed answer tokens and typing indicators. */
export interface TransientSignal {
  conversationId: string;
  /** Written to the thread's live clients as it is. */
  frame: ChatTransientFrame;
}

export type TransientSink = (signal: TransientSignal) => void;

/**
 * Fans transient signals out to every web process over the live bus's `transient` topic, sinks kept in
 * memory per conversation. Nothing is replayed: a reconnecting client gets the stored final message
 * instead of the tokens it missed.
 */
export class TransientChannel {
  private readonly sinks = new Map<string, Set<TransientSink>>();
  private stopListening?: () => void;

  constructor(private readonly deps: { bus: LiveBus; logger?: Logger }) {}

  /** Listens to the bus (which must be started for signals to arrive). */
  start(): void {
    this.stopListening ??= this.deps.bus.subscribe('transient', (raw) => {
      let signal: TransientSignal;
      try {
        signal = JSON.parse(raw) as TransientSignal;
      } catch (error) {
        this.deps.logger?.warn({ err: error }, 'unreadable transient signal');
        return;
      }
      for (const sink of this.sinks.get(signal.conversationId) ?? []) sink(signal);
    });
  }

  /** Sends a signal; never throws (a lost token is replaced by the stored answer). */
  publish(tenantId: string, signal: TransientSignal): Promise<void> {
    const { bus } = this.deps;
    return bus.publish(bus.channel('transient', tenantId), JSON.stringify(signal));
  }

  /** Listens to one conversation; returns the function that stops listening. */
  listen(conversationId: string, sink: TransientSink): () => void {
    return addKeyed(this.sinks, conversationId, sink);
  }

  /** Stops listening (the bus and its connection stay with their owner). */
  close(): void {
    this.stopListening?.();
    this.stopListening = undefined;
    this.sinks.clear();
  }
}
