import type { InboxIndexStore } from './inbox-index-store.js';
import { decodeCursor, encodeCursor } from './index-cursor.js';
import {
  COUNTED_VIEWS,
  type CountedView,
  dimsFor,
  type InboxFilters,
  type InboxView,
  type IndexDoc,
  inView,
  listName,
  matches,
  memberId,
  searchTokens,
  sortMember,
} from './index-doc.js';

/** A page of thread ids in list order. */
export interface IndexPage {
  ids: string[];
  nextCursor?: string;
}

const SCAN_CHUNK = 200;
const SCAN_BUDGET = 25; // chunks: a combined-filter page looks at most 5000 entries, then returns a cursor
const SEARCH_LIMIT = 5000;

/** The inbox lists, counts and search, answered from the index alone (no database read). */
export class IndexQueries {
  constructor(private readonly store: InboxIndexStore) {}

  /** Index entries by thread id (missing ones are left out). */
  async docs(tenantId: string, ids: readonly string[]): Promise<Map<string, IndexDoc>> {
    const found = new Map<string, IndexDoc>();
    if (!ids.length) return found;
    const entries = await this.store.entries(tenantId, ids);
    ids.forEach((id, i) => {
      const entry = entries[i];
      if (entry) found.set(id, entry.doc);
    });
    return found;
  }

  /** How many threads each counted view holds for this admin under these filters. */
  async counts(
    tenantId: string,
    userId: string,
    filters: InboxFilters,
  ): Promise<Record<CountedView, number>> {
    const dims = dimsFor(filters);
    const groups = COUNTED_VIEWS.map((view) => {
      const name = view === 'mine' ? `mine:${userId}` : view;
      return dims.length <= 1 ? [listName(name, dims[0] ?? '-')] : dims.map((dim) => listName(name, dim));
    });
    const counts = await this.store.counts(tenantId, groups);
    return Object.fromEntries(COUNTED_VIEWS.map((view, i) => [view, counts[i] ?? 0])) as Record<
      CountedView,
      number
    >;
  }

  /** One page of a view, in list order, after `cursor`. */
  async page(
    tenantId: string,
    input: { view: InboxView; userId: string; filters: InboxFilters; cursor?: string; limit: number },
  ): Promise<IndexPage> {
    const segments =
      input.view === 'all'
        ? ['open', 'resolved']
        : [input.view === 'mine' ? `mine:${input.userId}` : input.view];
    const cursor = decodeCursor(input.cursor);
    const dims = dimsFor(input.filters);
    let segment = Math.min(Math.max(0, Math.floor(cursor.s ?? 0)), segments.length - 1);
    let after = typeof cursor.m === 'string' ? cursor.m : undefined;
    let budget = SCAN_BUDGET;
    const want = input.limit + 1;
    const members: Array<{ m: string; s: number }> = [];
    while (segment < segments.length) {
      const view = segments[segment] as string;
      let list = listName(view, dims[0] ?? '-');
      const extra = dims.length > 1;
      if (extra) {
        // Walk the smallest of the filter sets, check the other filters on each entry.
        const sizes = await this.store.sizes(
          tenantId,
          dims.map((dim) => listName(view, dim)),
        );
        const smallest = sizes.indexOf(Math.min(...sizes));
        list = listName(view, dims[smallest] as string);
      }
      for (;;) {
        const chunk = await this.store.range(
          tenantId,
          list,
          after,
          extra ? SCAN_CHUNK : want - members.length,
        );
        let accepted = chunk;
        if (extra && chunk.length) {
          const docs = await this.docs(tenantId, chunk.map(memberId));
          accepted = chunk.filter((m) => {
            const doc = docs.get(memberId(m));
            return doc ? matches(doc, input.filters) : false;
          });
        }
        for (const member of accepted) {
          if (members.length >= want) break;
          members.push({ m: member, s: segment });
        }
        if (members.length >= want) break;
        if (!extra || chunk.length < SCAN_CHUNK) break;
        after = chunk.at(-1);
        if (--budget <= 0) {
          // Looked far enough for one request: hand back what we have and where to go on.
          return {
            ids: members.map((x) => memberId(x.m)),
            nextCursor: encodeCursor({ s: segment, m: after }),
          };
        }
      }
      if (members.length >= want) break;
      segment++;
      after = undefined;
    }
    const shown = members.slice(0, input.limit);
    const ids = shown.map((x) => memberId(x.m));
    const last = shown.at(-1);
    if (members.length > input.limit && last)
      return { ids, nextCursor: encodeCursor({ s: last.s, m: last.m }) };
    return { ids };
  }

  /**
   * Threads whose learner name or messages contain every word of `q`, in list order. Bounded: at most
   * 5000 matching threads are considered (the words' intersection is taken by the store first).
   */
  async search(
    tenantId: string,
    input: {
      q: string;
      view: InboxView;
      userId: string;
      filters: InboxFilters;
      cursor?: string;
      limit: number;
    },
  ): Promise<IndexPage> {
    const tokens = searchTokens(input.q, 8);
    if (!tokens.length) return { ids: [] };
    const ids = await this.store.withWords(tenantId, tokens, SEARCH_LIMIT);
    const docs = await this.docs(tenantId, ids);
    const rows = [...docs]
      .filter(([, doc]) => inView(doc, input.view, input.userId) && matches(doc, input.filters))
      .map(([id, doc]) => ({ id, key: `${doc.s === 'resolved' ? 1 : 0}${sortMember(id, doc)}` }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const offset = Math.max(0, Math.floor(decodeCursor(input.cursor).o ?? 0));
    const page = rows.slice(offset, offset + input.limit).map((row) => row.id);
    return offset + input.limit < rows.length
      ? { ids: page, nextCursor: encodeCursor({ o: offset + input.limit }) }
      : { ids: page };
  }
}
