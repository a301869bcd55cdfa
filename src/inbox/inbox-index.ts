import type { AnyDomainEvent } from '../events/catalog.js';
import type { Logger } from '../lib/logger.js';
import type { InboxIndexSource } from './inbox-index-source.js';
import type { InboxIndexStore } from './inbox-index-store.js';
import type { CountedView, InboxFilters, InboxView, IndexDoc } from './index-doc.js';
import { IndexProjection } from './index-projection.js';
import { type IndexPage, IndexQueries } from './index-queries.js';
import { IndexRebuild } from './index-rebuild.js';
import type { TeamRouting } from './teams.js';

export type { IndexPage } from './index-queries.js';

export interface InboxIndexDeps {
  store: InboxIndexStore;
  source: InboxIndexSource;
  teams: TeamRouting;
  logger?: Logger;
}

/**
 * The inbox's secondary index (see {@link IndexDoc} for why lists never read the database): kept current
 * from domain events in every process that writes conversations ({@link IndexProjection}), read for lists,
 * counts and search ({@link IndexQueries}), rebuilt from the database when missing ({@link IndexRebuild}).
 */
export class InboxIndex {
  private readonly projection: IndexProjection;
  private readonly queries: IndexQueries;
  private readonly rebuilds: IndexRebuild;

  constructor(deps: InboxIndexDeps) {
    this.projection = new IndexProjection(deps);
    this.queries = new IndexQueries(deps.store);
    this.rebuilds = new IndexRebuild({ ...deps, projection: this.projection });
  }

  handleEvent(event: AnyDomainEvent): Promise<void> {
    return this.projection.handleEvent(event);
  }

  docs(tenantId: string, ids: readonly string[]): Promise<Map<string, IndexDoc>> {
    return this.queries.docs(tenantId, ids);
  }

  counts(tenantId: string, userId: string, filters: InboxFilters): Promise<Record<CountedView, number>> {
    return this.queries.counts(tenantId, userId, filters);
  }

  page(
    tenantId: string,
    input: { view: InboxView; userId: string; filters: InboxFilters; cursor?: string; limit: number },
  ): Promise<IndexPage> {
    return this.queries.page(tenantId, input);
  }

  search(tenantId: string, input: Parameters<IndexQueries['search']>[1]): Promise<IndexPage> {
    return this.queries.search(tenantId, input);
  }

  ensureBuilt(tenantId: string): Promise<void> {
    return this.rebuilds.ensureBuilt(tenantId);
  }

  rebuild(tenantId: string): Promise<void> {
    return this.rebuilds.rebuild(tenantId);
  }
}
