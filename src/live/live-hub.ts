import type { AnyDomainEvent } from '../events/catalog.js';
import type { EventQuery, EventStore } from '../events/event-store.js';
import type { Logger } from '../lib/logger.js';
import type { LiveBus } from './live-bus.js';
import { type LiveFilter, visibleEvent } from './visibility.js';

/** Receives the events a live client may see, in order (an SSE route writes each one out). */
export type LiveSink = (event: AnyDomainEvent) => void;

/** A live client's registration. */
export interface LiveRegistration {
  /** Resolves once missed events (after `lastEventId`) have been delivered and live delivery has begun. */
  readonly ready: Promise<void>;
  /** Stops delivery (call when the connection closes). */
  close(): void;
}

/** What a {@link LiveHub} needs. */
export interface LiveHubDeps {
  /** The process's live bus: the hub listens to its `events` topic. */
  bus: LiveBus;
  store: EventStore;
  logger?: Logger;
  /** How long an out-of-order event waits for the ones before it before the store is asked. Default 150 ms. */
  gapWaitMs?: number;
}

interface Registration {
  filter: LiveFilter;
  sink: LiveSink;
  /** Live events held while missed ones are replayed. */
  buffer: AnyDomainEvent[] | null;
  /** Sequences delivered by replay, so live copies of them are not delivered twice. */
  seen: Set<number> | null;
  closed: boolean;
}

/** Per-tenant state: who listens, and the sequencer that puts events back in order. */
interface TenantEntry {
  tenantId: string;
  byConversation: Map<string, Set<Registration>>;
  inbox: Set<Registration>;
  count: number;
  /** Highest sequence delivered in order (undefined until the first event). */
  released?: number;
  /** Events that arrived ahead of a missing sequence. */
  pending: Map<number, AnyDomainEvent>;
  gapTimer?: NodeJS.Timeout;
  flushing: boolean;
  /** Recently released sequences, to drop a duplicate publish. */
  recent: Set<number>;
  recentOrder: number[];
}

const RECENT_LIMIT = 2048;
const REPLAY_PAGE = 1000;
const SEEN_TTL_MS = 30_000;

/**
 * The live channel of one web process. The live bus's `events` topic carries every tenant's events; clients
 * register a plain callback with a filter (a thread, or the inbox) — no Redis connection per client, O(1)
 * registration, so ten thousand idle clients cost a few maps. Events are delivered in per-tenant sequence
 * order: one published ahead of an earlier one (two writers racing) waits briefly for it, and a gap that
 * does not fill (a lost publish, a Redis reconnect) is read from the event store. A reconnecting client
 * passes its last event id: it gets exactly the events it missed, then live ones, without duplicates.
 */
export class LiveHub {
  private readonly tenants = new Map<string, TenantEntry>();
  private readonly gapWaitMs: number;
  private stopListening?: () => void;
  private closed = false;

  constructor(private readonly deps: LiveHubDeps) {
    this.gapWaitMs = deps.gapWaitMs ?? 150;
  }

  /** Listens to every tenant's events on the bus (which must be started for them to arrive). */
  start(): void {
    if (this.stopListening || this.closed) return;
    const { bus } = this.deps;
    const stopEvents = bus.subscribe('events', (message) => this.onMessage(message));
    // After a reconnect, fetch whatever was published while the bus was not listening.
    const stopReady = bus.onReady(() => {
      if (!this.closed) for (const tenantId of this.tenants.keys()) void this.catchUp(tenantId);
    });
    this.stopListening = () => {
      stopEvents();
      stopReady();
    };
  }

  /**
   * Registers a client. With `lastEventId` (the SSE Last-Event-ID), the events after it that the client
   * may see are delivered first, then live ones; events arriving during the replay are held and
   * deduplicated, so nothing is lost or repeated.
   */
  register(filter: LiveFilter, sink: LiveSink, options: { lastEventId?: number } = {}): LiveRegistration {
    const registration: Registration = {
      filter,
      sink,
      buffer: options.lastEventId === undefined ? null : [],
      seen: null,
      closed: false,
    };
    const entry = this.entry(filter.tenantId);
    if (filter.audience === 'inbox') entry.inbox.add(registration);
    else {
      let set = entry.byConversation.get(filter.conversationId);
      if (!set) {
        set = new Set();
        entry.byConversation.set(filter.conversationId, set);
      }
      set.add(registration);
    }
    entry.count++;
    const ready =
      options.lastEventId === undefined
        ? Promise.resolve()
        : this.resume(registration, options.lastEventId).catch((error) => {
            // The client still gets live events; it can reconnect to retry the replay.
            this.deps.logger?.warn({ err: error }, 'live replay failed');
            this.flushBuffer(registration);
          });
    return { ready, close: () => this.unregister(registration) };
  }

  /** The events after `lastEventId` a client with this filter may see, oldest first (from the store). */
  async replaySince(tenantId: string, lastEventId: number, filter: LiveFilter): Promise<AnyDomainEvent[]> {
    const query: EventQuery = { limit: REPLAY_PAGE };
    if (filter.audience !== 'inbox') query.conversationId = filter.conversationId;
    if (filter.audience === 'learner') query.publicOnly = true;
    else if (filter.courseIds) query.courseIds = filter.courseIds;
    const visible: AnyDomainEvent[] = [];
    let after = lastEventId;
    for (;;) {
      const page = await this.deps.store.listSince(tenantId, after, query);
      for (const event of page) {
        const shown = visibleEvent(event, filter);
        if (shown) visible.push(shown);
      }
      if (page.length < REPLAY_PAGE) return visible;
      after = page.at(-1)?.seq ?? after;
    }
  }

  /** Stops listening and drops every registration (the bus and its connection stay with their owner). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopListening?.();
    for (const entry of this.tenants.values()) clearTimeout(entry.gapTimer);
    this.tenants.clear();
  }

  // ------------------------------------------------------------ delivery

  private async resume(registration: Registration, lastEventId: number): Promise<void> {
    const events = await this.replaySince(registration.filter.tenantId, lastEventId, registration.filter);
    if (registration.closed) return;
    registration.seen = new Set(events.map((e) => e.seq));
    for (const event of events) this.safeSink(registration, event);
    this.flushBuffer(registration);
    // Late live copies of replayed events can only arrive shortly after; then the set is not needed.
    setTimeout(() => {
      registration.seen = null;
    }, SEEN_TTL_MS).unref();
  }

  private flushBuffer(registration: Registration) {
    const buffered = registration.buffer ?? [];
    registration.buffer = null;
    for (const event of buffered) this.deliver(registration, event);
  }

  private onMessage(message: string) {
    let event: AnyDomainEvent;
    try {
      event = JSON.parse(message) as AnyDomainEvent;
    } catch {
      return;
    }
    if (typeof event?.seq !== 'number' || typeof event.tenantId !== 'string') return;
    const entry = this.tenants.get(event.tenantId);
    // Nobody here listens to this tenant: nothing to order or deliver.
    if (!entry) return;
    this.accept(entry, event);
  }

  /** The per-tenant sequencer: release in order, hold early arrivals, fill gaps from the store. */
  private accept(entry: TenantEntry, event: AnyDomainEvent) {
    if (entry.released === undefined) entry.released = event.seq - 1;
    if (event.seq <= entry.released) {
      // Already released, or given up on after a gap: deliver once if it is new (a very late write).
      if (!entry.recent.has(event.seq)) this.release(entry, event);
      return;
    }
    if (event.seq === entry.released + 1) {
      this.release(entry, event);
      entry.released = event.seq;
      this.drain(entry);
      return;
    }
    entry.pending.set(event.seq, event);
    if (!entry.gapTimer && !entry.flushing)
      entry.gapTimer = setTimeout(() => void this.fillGap(entry), this.gapWaitMs);
  }

  private drain(entry: TenantEntry) {
    for (;;) {
      const next = entry.pending.get((entry.released ?? 0) + 1);
      if (!next) break;
      entry.pending.delete(next.seq);
      this.release(entry, next);
      entry.released = next.seq;
    }
    if (entry.pending.size === 0 && entry.gapTimer) {
      clearTimeout(entry.gapTimer);
      entry.gapTimer = undefined;
    }
  }

  /** A gap did not fill by itself: read the missing sequences from the store, then release everything held. */
  private async fillGap(entry: TenantEntry) {
    entry.gapTimer = undefined;
    if (entry.pending.size === 0 || entry.released === undefined) return;
    entry.flushing = true;
    const upTo = Math.max(...entry.pending.keys());
    let fetched: AnyDomainEvent[] = [];
    try {
      fetched = await this.deps.store.listSince(entry.tenantId, entry.released, {
        limit: upTo - entry.released,
      });
    } catch (error) {
      this.deps.logger?.warn({ err: error }, 'live gap fill failed; delivering what arrived');
    }
    entry.flushing = false;
    if (this.closed) return;
    const merged = new Map<number, AnyDomainEvent>();
    for (const event of fetched) if (event.seq <= upTo) merged.set(event.seq, event);
    for (const [seq, event] of entry.pending) if (seq <= upTo) merged.set(seq, event);
    for (const seq of [...merged.keys()].sort((a, b) => a - b)) {
      entry.pending.delete(seq);
      const event = merged.get(seq);
      if (event && seq > (entry.released ?? 0)) {
        this.release(entry, event);
        entry.released = seq;
      }
    }
    // Sequences still missing were allocated but never written (a writer died): skip them.
    entry.released = Math.max(entry.released ?? 0, upTo);
    this.drain(entry);
    if (entry.pending.size && !entry.gapTimer)
      entry.gapTimer = setTimeout(() => void this.fillGap(entry), this.gapWaitMs);
  }

  /** Reads what was published while the subscription was down. */
  private async catchUp(tenantId: string) {
    const entry = this.tenants.get(tenantId);
    if (!entry || entry.released === undefined) return;
    try {
      const missed = await this.deps.store.listSince(tenantId, entry.released, { limit: 5000 });
      for (const event of missed) this.accept(entry, event);
    } catch (error) {
      this.deps.logger?.warn({ err: error }, 'live catch-up failed');
    }
  }

  private release(entry: TenantEntry, event: AnyDomainEvent) {
    entry.recent.add(event.seq);
    entry.recentOrder.push(event.seq);
    if (entry.recentOrder.length > RECENT_LIMIT) entry.recent.delete(entry.recentOrder.shift() ?? -1);
    if (event.conversationId) {
      const set = entry.byConversation.get(event.conversationId);
      if (set) for (const registration of set) this.deliver(registration, event);
    }
    for (const registration of entry.inbox) this.deliver(registration, event);
  }

  private deliver(registration: Registration, event: AnyDomainEvent) {
    if (registration.closed) return;
    if (registration.buffer) {
      registration.buffer.push(event);
      return;
    }
    if (registration.seen?.has(event.seq)) return;
    const shown = visibleEvent(event, registration.filter);
    if (shown) this.safeSink(registration, shown);
  }

  private safeSink(registration: Registration, event: AnyDomainEvent) {
    try {
      registration.sink(event);
    } catch (error) {
      this.deps.logger?.warn({ err: error }, 'live sink failed');
    }
  }

  // ------------------------------------------------------------ registry

  private entry(tenantId: string): TenantEntry {
    let entry = this.tenants.get(tenantId);
    if (!entry) {
      entry = {
        tenantId,
        byConversation: new Map(),
        inbox: new Set(),
        count: 0,
        pending: new Map(),
        flushing: false,
        recent: new Set(),
        recentOrder: [],
      };
      this.tenants.set(tenantId, entry);
    }
    return entry;
  }

  private unregister(registration: Registration) {
    if (registration.closed) return;
    registration.closed = true;
    const { filter } = registration;
    const entry = this.tenants.get(filter.tenantId);
    if (!entry) return;
    if (filter.audience === 'inbox') entry.inbox.delete(registration);
    else {
      const set = entry.byConversation.get(filter.conversationId);
      set?.delete(registration);
      if (set?.size === 0) entry.byConversation.delete(filter.conversationId);
    }
    entry.count--;
    // The last listener of a tenant leaves: forget its sequencer too (it restarts from the next event).
    if (entry.count === 0) {
      clearTimeout(entry.gapTimer);
      this.tenants.delete(filter.tenantId);
    }
  }
}
