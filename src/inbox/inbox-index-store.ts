import type { IndexDoc } from './index-doc.js';

/** A thread's entry as stored, with the token a conditional write compares against. */
export interface StoredEntry {
  doc: IndexDoc;
  token: string;
}

/**
 * One thread's entry replaced, applied only if the stored entry is still what the caller read: the entry
 * itself, and the thread's member moved out of the lists it leaves and into those it joins.
 */
export interface EntryWrite {
  id: string;
  /** The token read ('' when there was no entry). */
  expected: string;
  /** The new entry; null removes it. */
  next: IndexDoc | null;
  oldMember: string;
  newMember: string;
  leave: readonly string[];
  join: readonly string[];
}

/** Writes of a rebuild, sent together (see {@link InboxIndexStore.bulk}). */
export interface IndexBulkWriter {
  addWords(id: string, words: readonly string[]): void;
  /** The entry of a thread, unless a live event wrote one since the index was cleared. */
  insert(id: string, doc: IndexDoc, member: string, join: readonly string[]): void;
  flush(): Promise<void>;
}

/**
 * Where the inbox index lives: per tenant, one entry per thread, lists (sorted by a member string, see
 * sortMember) named `<view>:<dimension>`, and a word index. The Redis adapter is in src/storage/inbox.
 */
export interface InboxIndexStore {
  /** The entries of these threads, in order (null where a thread has none). */
  entries(tenantId: string, ids: readonly string[]): Promise<Array<StoredEntry | null>>;
  has(tenantId: string, id: string): Promise<boolean>;
  /** Applies one compare-and-set write; false when the entry changed since it was read. */
  write(tenantId: string, write: EntryWrite): Promise<boolean>;
  addWords(tenantId: string, id: string, words: readonly string[]): Promise<void>;
  /** How many threads are in all the lists of each group, in one round trip. */
  counts(tenantId: string, groups: ReadonlyArray<readonly string[]>): Promise<number[]>;
  /** The number of threads in each list. */
  sizes(tenantId: string, lists: readonly string[]): Promise<number[]>;
  /** Up to `limit` members of a list after `after` (from the start when absent), in list order. */
  range(tenantId: string, list: string, after: string | undefined, limit: number): Promise<string[]>;
  /** Threads whose words include every one of `words` (at most `limit`). */
  withWords(tenantId: string, words: readonly string[], limit: number): Promise<string[]>;

  isBuilt(tenantId: string): Promise<boolean>;
  markBuilt(tenantId: string): Promise<void>;
  /** Takes the tenant's rebuild lock: its token, or null when another process holds it. */
  lockRebuild(tenantId: string): Promise<string | null>;
  isRebuildLocked(tenantId: string): Promise<boolean>;
  unlockRebuild(tenantId: string, token: string): Promise<void>;
  /** Drops the built marker, every entry, list and word of the tenant. */
  clear(tenantId: string): Promise<void>;
  bulk(tenantId: string): IndexBulkWriter;
}
