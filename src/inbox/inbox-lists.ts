import type { TenantSlaProvider } from '../sla/sla-plan.js';
import type { InboxIndex } from './inbox-index.js';
import { type InboxItem, itemFromIndex } from './inbox-item.js';
import { type InboxZone, inboxZone } from './inbox-zone.js';
import { COUNTED_VIEWS, type InboxFilters, type InboxView } from './index-doc.js';
import type { ReadMarks } from './read-marks.js';
import type { StaffContext } from './staff-context.js';
import type { TeamService } from './teams.js';

export interface InboxListQuery {
  view: InboxView;
  filters: InboxFilters;
  q?: string;
  cursor?: string;
  limit: number;
}

export interface InboxList {
  items: InboxItem[];
  nextCursor?: string;
  counts: Record<string, number>;
  zone: InboxZone;
}

/** The inbox's lists: pages of a view with every view's count, and list items, from the index alone. */
export class InboxLists {
  constructor(
    private readonly deps: {
      index: InboxIndex;
      teams: Pick<TeamService, 'list'>;
      reads: ReadMarks;
      tenantSla: TenantSlaProvider;
    },
  ) {}

  /** A page of a view with the counts of every view (under the same filters). */
  async list(ctx: StaffContext, query: InboxListQuery): Promise<InboxList> {
    const filters = { ...query.filters };
    // Read beside the list (a cold settings cache costs a database read, which the list need not wait for).
    const zoneRead = inboxZone(this.deps.tenantSla, ctx.tenantId);
    zoneRead.catch(() => undefined);
    if (ctx.role === 'instructor') {
      // An instructor's inbox is their course's threads; another course is simply empty.
      if (!ctx.courseId || (filters.courseId && filters.courseId !== ctx.courseId))
        return {
          items: [],
          counts: Object.fromEntries(COUNTED_VIEWS.map((view) => [view, 0])),
          zone: await zoneRead,
        };
      filters.courseId = ctx.courseId;
    }
    const { index } = this.deps;
    await index.ensureBuilt(ctx.tenantId);
    const input = { view: query.view, userId: ctx.userId, filters, cursor: query.cursor, limit: query.limit };
    const [page, counts] = await Promise.all([
      query.q?.trim()
        ? index.search(ctx.tenantId, { ...input, q: query.q })
        : index.page(ctx.tenantId, input),
      index.counts(ctx.tenantId, ctx.userId, filters),
    ]);
    const [items, zone] = await Promise.all([this.items(ctx, page.ids), zoneRead]);
    return { items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}), counts, zone };
  }

  /**
   * List items for thread ids, in that order, from the index alone (no database read); threads outside
   * the staff member's scope are left out.
   */
  async items(ctx: StaffContext, ids: readonly string[]): Promise<InboxItem[]> {
    if (!ids.length) return [];
    const [docs, reads, teams] = await Promise.all([
      this.deps.index.docs(ctx.tenantId, ids),
      this.deps.reads.get(ctx.tenantId, ctx.userId, ids),
      this.deps.teams.list(ctx.tenantId),
    ]);
    const items: InboxItem[] = [];
    ids.forEach((id, i) => {
      const doc = docs.get(id);
      if (!doc) return;
      if (ctx.role === 'instructor' && doc.c !== ctx.courseId) return;
      items.push(itemFromIndex(id, doc, reads[i], teams));
    });
    return items;
  }

  /** Marks a thread read for this staff member (opening it, or acting on it). */
  markRead(ctx: StaffContext, conversationId: string): Promise<void> {
    return this.deps.reads.mark(ctx.tenantId, ctx.userId, conversationId, Date.now());
  }
}
