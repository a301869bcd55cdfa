import type {
  EntryWrite,
  InboxIndexStore,
  IndexBulkWriter,
  StoredEntry,
} from '../../../src/inbox/inbox-index-store.js';
import type { IndexDoc } from '../../../src/inbox/index-doc.js';

/** The inbox index port in memory (one tenant's worth per key prefix): for unit tests of the index logic. */
export class MemoryIndexStore implements InboxIndexStore {
  readonly docs = new Map<string, string>();
  readonly lists = new Map<string, Set<string>>();
  readonly words = new Map<string, Set<string>>();
  private readonly built = new Set<string>();

  private list(tenantId: string, name: string) {
    const key = `${tenantId}|${name}`;
    const set = this.lists.get(key) ?? new Set<string>();
    this.lists.set(key, set);
    return set;
  }

  async entries(tenantId: string, ids: readonly string[]): Promise<Array<StoredEntry | null>> {
    return ids.map((id) => {
      const raw = this.docs.get(`${tenantId}|${id}`);
      return raw ? { doc: JSON.parse(raw) as IndexDoc, token: raw } : null;
    });
  }

  async has(tenantId: string, id: string) {
    return this.docs.has(`${tenantId}|${id}`);
  }

  async write(tenantId: string, write: EntryWrite): Promise<boolean> {
    const key = `${tenantId}|${write.id}`;
    if ((this.docs.get(key) ?? '') !== write.expected) return false;
    for (const name of write.leave) this.list(tenantId, name).delete(write.oldMember);
    for (const name of write.join) this.list(tenantId, name).add(write.newMember);
    if (write.next) this.docs.set(key, JSON.stringify(write.next));
    else this.docs.delete(key);
    return true;
  }

  async addWords(tenantId: string, id: string, words: readonly string[]) {
    for (const word of words) {
      const key = `${tenantId}|${word}`;
      if (!this.words.has(key)) this.words.set(key, new Set());
      this.words.get(key)?.add(id);
    }
  }

  async counts(tenantId: string, groups: ReadonlyArray<readonly string[]>) {
    return groups.map((names) => {
      const [first, ...rest] = names.map((name) => this.list(tenantId, name));
      return [...(first ?? [])].filter((member) => rest.every((set) => set.has(member))).length;
    });
  }

  async sizes(tenantId: string, names: readonly string[]) {
    return names.map((name) => this.list(tenantId, name).size);
  }

  async range(tenantId: string, name: string, after: string | undefined, limit: number) {
    return [...this.list(tenantId, name)]
      .sort()
      .filter((member) => after === undefined || member > after)
      .slice(0, limit);
  }

  async withWords(tenantId: string, words: readonly string[], limit: number) {
    const [first, ...rest] = words.map((word) => this.words.get(`${tenantId}|${word}`) ?? new Set<string>());
    return [...(first ?? [])].filter((id) => rest.every((set) => set.has(id))).slice(0, limit);
  }

  async isBuilt(tenantId: string) {
    return this.built.has(tenantId);
  }
  async markBuilt(tenantId: string) {
    this.built.add(tenantId);
  }
  async lockRebuild() {
    return 'token';
  }
  async isRebuildLocked() {
    return false;
  }
  async unlockRebuild() {}
  async clear(tenantId: string) {
    this.built.delete(tenantId);
    for (const map of [this.docs, this.lists, this.words])
      for (const key of [...map.keys()]) if (key.startsWith(`${tenantId}|`)) map.delete(key);
  }
  bulk(tenantId: string): IndexBulkWriter {
    return {
      addWords: (id, words) => void this.addWords(tenantId, id, words),
      insert: (id, doc, member, join) =>
        void this.write(tenantId, {
          id,
          expected: '',
          next: doc,
          oldMember: '',
          newMember: member,
          leave: [],
          join,
        }),
      flush: async () => {},
    };
  }
}
