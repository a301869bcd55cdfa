import type { DomainEvent } from '../events/catalog.js';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { InboxIndexSource } from './inbox-index-source.js';
import type { InboxIndexStore } from './inbox-index-store.js';
import { listsOf, previewOf, searchTokens, sortMember, withSla } from './index-doc.js';
import type { IndexProjection } from './index-projection.js';

const BUILT_RECHECK_MS = 10_000;
/** How long a process waits for another one's rebuild of the same tenant. */
const REBUILD_WAIT_MS = 300_000;

/**
 * Builds a tenant's index from the database when it is missing (Redis flushed or restored): previews and
 * words from the messages, SLA snapshots from the `sla.*` events, entries from the conversations.
 */
export class IndexRebuild {
  private readonly built = new Map<string, number>();
  private readonly rebuilding = new Map<string, Promise<void>>();

  constructor(
    private readonly deps: {
      store: InboxIndexStore;
      source: InboxIndexSource;
      projection: IndexProjection;
      logger?: Logger;
    },
  ) {}

  /** Builds a tenant's index unless it is there (checked at most every 10 s per process). */
  async ensureBuilt(tenantId: string): Promise<void> {
    const checked = this.built.get(tenantId);
    if (checked && Date.now() - checked < BUILT_RECHECK_MS) return;
    if (await this.deps.store.isBuilt(tenantId)) {
      this.built.set(tenantId, Date.now());
      return;
    }
    await this.rebuild(tenantId);
  }

  /**
   * Rebuilds a tenant's index: drops it, reads every message (previews and words) and every conversation
   * of the tenant, and writes entries that live events have not written meanwhile. One process rebuilds
   * at a time (the store's lock); others wait for it.
   */
  async rebuild(tenantId: string): Promise<void> {
    const running = this.rebuilding.get(tenantId);
    if (running) return running;
    const work = this.rebuildLocked(tenantId).finally(() => this.rebuilding.delete(tenantId));
    this.rebuilding.set(tenantId, work);
    return work;
  }

  private async rebuildLocked(tenantId: string): Promise<void> {
    const { store } = this.deps;
    const token = await store.lockRebuild(tenantId);
    if (!token) {
      // Another process is at it: wait for its marker.
      const deadline = Date.now() + REBUILD_WAIT_MS;
      while (Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        if (await store.isBuilt(tenantId)) return;
        if (!(await store.isRebuildLocked(tenantId))) return this.rebuildLocked(tenantId);
      }
      throw new AppError('unavailable', 'The inbox index is being rebuilt; please try again shortly.');
    }
    const started = Date.now();
    try {
      await store.clear(tenantId);
      const bulk = store.bulk(tenantId);

      const previews = new Map<string, { pv: string; pa: 'learner' | 'admin'; pt: number }>();
      let queued = 0;
      for await (const message of this.deps.source.messages(tenantId)) {
        const id = message.conversationId;
        const words = searchTokens(message.text);
        bulk.addWords(id, words);
        queued += words.length;
        if (message.kind === 'message') {
          const at = message.createdAt.getTime();
          const seen = previews.get(id);
          if (!seen || seen.pt <= at)
            previews.set(id, { pv: previewOf(message.text), pa: message.author, pt: at });
        }
        if (queued >= 5000) {
          await bulk.flush();
          queued = 0;
        }
      }
      await bulk.flush();

      // SLA snapshots from the tenant's `sla.*` events (the latest wins).
      const slas = new Map<string, DomainEvent<'sla.updated'>>();
      for await (const event of this.deps.source.slaEvents(tenantId)) {
        const id = event.conversationId as string;
        const seen = slas.get(id);
        if (!seen || seen.seq < event.seq) slas.set(id, event);
      }

      queued = 0;
      let count = 0;
      for await (const conversation of this.deps.source.conversations(tenantId)) {
        const id = String(conversation._id);
        const preview = previews.get(id);
        let doc = await this.deps.projection.docFromConversation(conversation, null);
        if (preview) Object.assign(doc, preview, { lm: Math.max(doc.lm, preview.pt) });
        const sla = slas.get(id);
        if (sla?.payload.sla) doc = withSla(doc, sla.payload.sla, sla.seq);
        // Only where no live event wrote a (newer) entry since the index was cleared.
        bulk.insert(id, doc, sortMember(id, doc), listsOf(doc));
        if (doc.n) bulk.addWords(id, searchTokens(doc.n));
        count++;
        if (++queued >= 1000) {
          await bulk.flush();
          queued = 0;
        }
      }
      await bulk.flush();
      await store.markBuilt(tenantId);
      this.built.set(tenantId, Date.now());
      this.deps.logger?.info(
        { tenantId, conversations: count, ms: Date.now() - started },
        'inbox index rebuilt',
      );
    } finally {
      await store.unlockRebuild(tenantId, token);
    }
  }
}
