import type { Redis } from 'ioredis';
import type { Logger } from '../lib/logger.js';
import type { LiveBus } from '../live/live-bus.js';
import { RedisLiveBus } from '../live/redis-live-bus.js';
import type { AnyDomainEvent, DomainEvent, EventName, NewEvent } from './catalog.js';
import type { EventStore } from './event-store.js';

/** Something that can emit domain events; services depend on this, tests may pass a fake. */
export interface EventEmitter {
  emit<N extends EventName>(event: NewEvent<N>): Promise<DomainEvent<N>>;
  emitAlongside<T>(
    events: readonly NewEvent<EventName>[],
    write: Promise<T>,
    beforePublish?: () => Promise<unknown>,
  ): Promise<T>;
}

/** In-process listener (for composition and tests; cross-process listeners subscribe on Redis). */
export type EventListener = (event: AnyDomainEvent) => void;

/** An awaited in-process step between storing and publishing an event (e.g. keeping an index current). */
export type EventHook = (event: AnyDomainEvent) => Promise<void>;

/**
 * Emits domain events: persist first (the sequence is the replay position), then publish on the live
 * bus's `events` topic so every web process hears it. Callers emit only after their own write succeeded. A publish failure is
 * logged, not thrown: the event is stored, and live clients pick it up on their next resume.
 */
export class EventBus implements EventEmitter {
  private readonly listeners = new Set<EventListener>();
  private readonly hooks = new Set<EventHook>();
  private readonly live: LiveBus;

  constructor(private readonly deps: { store: EventStore; redis: Redis; prefix: string; logger?: Logger }) {
    // Publishing needs no listening connection: worker processes emit too.
    this.live = new RedisLiveBus({ publisher: deps.redis, prefix: deps.prefix, logger: deps.logger });
  }

  async emit<N extends EventName>(event: NewEvent<N>): Promise<DomainEvent<N>> {
    const { event: stored } = await this.deps.store.record(event);
    await this.deliver([stored as AnyDomainEvent]);
    return stored;
  }

  /**
   * Emits events about a write that runs side by side with storing them (one wait instead of two): they
   * are logged and published, in the given order, only once the write and every event are stored. If
   * either fails, the stored events are withdrawn (nobody has seen them) and the error is thrown.
   * `beforePublish` is a step the write still needs before anyone hears of it (a cache update): it runs
   * beside the event log and hooks, in the same round trip to Redis, and the publish waits for it; it
   * runs too when the write succeeded but its events could not be stored.
   */
  async emitAlongside<T>(
    events: readonly NewEvent<EventName>[],
    write: Promise<T>,
    beforePublish?: () => Promise<unknown>,
  ): Promise<T> {
    // Stored in one go: consecutive sequences in the given order, one round trip.
    const [recorded, written] = await Promise.allSettled([this.deps.store.recordAll(events), write]);
    if (recorded.status === 'rejected' || written.status === 'rejected') {
      // Nothing half-told: the events of a failed write go back (nobody has seen them yet).
      if (recorded.status === 'fulfilled')
        await Promise.all(recorded.value.map((r) => this.deps.store.withdraw(r))).catch((error) =>
          this.deps.logger?.error({ err: error }, 'could not withdraw stored events'),
        );
      // The write itself stands (only telling of it failed): its own follow-up still happens.
      if (written.status === 'fulfilled') await beforePublish?.();
      throw written.status === 'rejected' ? written.reason : (recorded as PromiseRejectedResult).reason;
    }
    await this.deliver(
      recorded.value.map(({ event }) => event as AnyDomainEvent),
      beforePublish,
    );
    return written.value;
  }

  /**
   * The life of stored events: into the replay log and through the hooks (side by side), then the
   * publish, then in-process listeners. Log entries go out in one script call and publishes in one
   * pipeline (one connection keeps their order).
   */
  private async deliver(
    events: readonly AnyDomainEvent[],
    beforePublish?: () => Promise<unknown>,
  ): Promise<void> {
    // Into the log and through the hooks side by side: all only have to be done before the publish.
    await Promise.all([this.deps.store.addToLog(events), this.runHooks(events), beforePublish?.()]);
    // One pipeline: a single write to Redis for all of them.
    const errors = await this.live.publishAll(
      events.map((event) => [this.live.channel('events', event.tenantId), JSON.stringify(event)] as const),
    );
    events.forEach((event, i) => {
      const error = errors[i];
      if (error)
        this.deps.logger?.warn({ err: error, event: event.name, seq: event.seq }, 'event publish failed');
    });
    for (const event of events)
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch (error) {
          this.deps.logger?.error({ err: error, event: event.name }, 'event listener failed');
        }
      }
  }

  private async runHooks(events: readonly AnyDomainEvent[]): Promise<void> {
    for (const event of events)
      for (const hook of this.hooks) {
        try {
          await hook(event);
        } catch (error) {
          this.deps.logger?.error({ err: error, event: event.name }, 'event hook failed');
        }
      }
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
