import type { Redis } from 'ioredis';
import type { Logger } from '../lib/logger.js';
import type { AnyDomainEvent, DomainEvent, EventName, NewEvent } from './catalog.js';
import type { EventStore } from './event-store.js';

/** The Redis channel a tenant's events are published on. */
export const eventChannel = (prefix: string, tenantId: string) => `${prefix}:events:${tenantId}`;

/** The pattern one subscriber uses to hear every tenant's events. */
export const eventChannelPattern = (prefix: string) => `${prefix}:events:*`;

/** Something that can emit domain events; services depend on this, tests may pass a fake. */
export interface EventEmitter {
  emit<N extends EventName>(event: NewEvent<N>): Promise<DomainEvent<N>>;
}

/** In-process listener (for composition and tests; cross-process listeners subscribe on Redis). */
export type EventListener = (event: AnyDomainEvent) => void;

/** An awaited in-process step between storing and publishing an event (e.g. keeping an index current). */
export type EventHook = (event: AnyDomainEvent) => Promise<void>;

/**
 * Emits domain events: persist first (the sequence is the replay position), then publish on Redis so
 * every web process hears it. Callers emit only after their own write succeeded. A publish failure is
 * logged, not thrown: the event is stored, and live clients pick it up on their next resume.
 */
export class EventBus implements EventEmitter {
  private readonly listeners = new Set<EventListener>();
  private readonly hooks = new Set<EventHook>();

  constructor(private readonly deps: { store: EventStore; redis: Redis; prefix: string; logger?: Logger }) {}

  async emit<N extends EventName>(event: NewEvent<N>): Promise<DomainEvent<N>> {
    const stored = await this.deps.store.append(event);
    // Hooks run before the publish, so whoever reacts to the live event reads state that includes it.
    for (const hook of this.hooks) {
      try {
        await hook(stored as AnyDomainEvent);
      } catch (error) {
        this.deps.logger?.error({ err: error, event: stored.name }, 'event hook failed');
      }
    }
    try {
      await this.deps.redis.publish(eventChannel(this.deps.prefix, stored.tenantId), JSON.stringify(stored));
    } catch (error) {
      this.deps.logger?.warn({ err: error, event: stored.name, seq: stored.seq }, 'event publish failed');
    }
    for (const listener of this.listeners) {
      try {
        listener(stored as AnyDomainEvent);
      } catch (error) {
        this.deps.logger?.error({ err: error, event: stored.name }, 'event listener failed');
      }
    }
    return stored;
  }

  /** Registers an awaited hook run after the event is stored and before it is published; returns its removal. */
  beforePublish(hook: EventHook): () => void {
    this.hooks.add(hook);
    return () => this.hooks.delete(hook);
  }

  /** Registers an in-process listener; returns its removal. */
  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
