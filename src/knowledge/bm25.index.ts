import type { ChunkRecord, IndexHit, IndexSearchOptions } from './knowledge.types.js';
import type { WeightedTerm } from './query-expansion.service.js';
import {
  analyze,
  DERIVATIONAL_MIN_PREFIX,
  detectLanguage,
  type Language,
  sharesDerivationalStem,
} from './text-analysis.service.js';
import { TopK } from './top-k.util.js';

/** BM25 parameters and field weights. */
export interface Bm25Options {
  k1?: number;
  b?: number;
  /**
   * Term frequency multipliers per field (a "weighted fields concatenation" BM25F): a title or
   * heading says what the whole passage is about, so a hit there counts more than one in the body.
   */
  fieldWeights?: { title?: number; heading?: number; body?: number };
}

/** Per-term statistics used by confidence scoring. */
export interface TermStat {
  term: string;
  /** Number of live chunks containing the term. */
  df: number;
  idf: number;
}

const INITIAL_POSTINGS = 4;
const NO_COURSE = -1;

function idfOf(df: number, n: number): number {
  return Math.log(1 + (n - df + 0.5) / (df + 0.5));
}

/**
 * An in-memory BM25 index of chunk records for one tenant, built incrementally. Postings are
 * per-term typed arrays (doc numbers + weighted term frequencies), so a query only touches the
 * chunks that contain its terms. Removal tombstones chunks and compacts once tombstones dominate.
 */
export class Bm25Index {
  private readonly k1: number;
  private readonly b: number;
  private readonly weights: { title: number; heading: number; body: number };

  private readonly termIds = new Map<string, number>();
  /** Terms by their first letters, for {@link derivedTerms}. */
  private readonly termsByPrefix = new Map<string, string[]>();
  private postingDocs: Int32Array[] = [];
  private postingTfs: Float32Array[] = [];
  private postingLen: number[] = [];
  private df: number[] = [];

  // Per internal doc number.
  private chunkIds: string[] = [];
  private sourceIds: string[] = [];
  private docLanguages: Language[] = [];
  /** Live chunks per language they were analysed in. */
  private readonly languageCounts = new Map<Language, number>();
  private docTermIds: Int32Array[] = [];
  private docTermTfs: Float32Array[] = [];
  private docLen = new Float32Array(1024);
  private docCourse = new Int32Array(1024);
  private alive = new Uint8Array(1024);

  private readonly courseIds = new Map<string, number>();
  private readonly docByChunkId = new Map<string, number>();
  private readonly docsBySource = new Map<string, Set<number>>();
  private liveCount = 0;
  private deadCount = 0;
  private totalLen = 0;

  private scratchScores = new Float64Array(1024);
  private scratchTouched = new Int32Array(1024);
  private scratchGroup = new Float64Array(1024);
  private scratchGroupTouched = new Int32Array(1024);

  constructor(options: Bm25Options = {}) {
    this.k1 = options.k1 ?? 1.2;
    this.b = options.b ?? 0.75;
    this.weights = {
      title: options.fieldWeights?.title ?? 2,
      heading: options.fieldWeights?.heading ?? 2,
      body: options.fieldWeights?.body ?? 1,
    };
  }

  /** Changes whenever the index learns a new term (see typo-correction.ts). */
  get vocabularyVersion(): number {
    return this.termIds.size;
  }

  /** The language most live chunks were analysed in (English for an empty index). */
  get mainLanguage(): Language {
    let best: Language = 'en';
    let most = 0;
    for (const [language, count] of this.languageCounts)
      if (count > most) {
        best = language;
        most = count;
      }
    return best;
  }

  /** Every term the index has seen. */
  vocabulary(): Iterable<string> {
    return this.termIds.keys();
  }

  /** Number of live chunks. */
  get size(): number {
    return this.liveCount;
  }

  /** Adds (or replaces, by chunkId) chunk records. */
  add(records: readonly ChunkRecord[]): void {
    for (const record of records) {
      const existing = this.docByChunkId.get(record.chunkId);
      if (existing !== undefined) this.removeDoc(existing);
      this.addOne(record);
    }
  }

  /** Removes every chunk of a source; returns how many were removed. */
  removeSource(sourceId: string): number {
    const docs = this.docsBySource.get(sourceId);
    if (!docs) return 0;
    const count = docs.size;
    for (const doc of [...docs]) this.removeDoc(doc);
    this.maybeCompact();
    return count;
  }

  /** The analysed terms of a query, as the index sees them (unique, in order). */
  queryTerms(query: string, language?: Language): string[] {
    return [...new Set(analyze(query, { language: language ?? detectLanguage(query) }))];
  }

  /** df and idf of each term, for confidence scoring. */
  termStats(terms: readonly string[]): TermStat[] {
    return terms.map((term) => {
      const id = this.termIds.get(term);
      const df = id === undefined ? 0 : (this.df[id] ?? 0);
      return { term, df, idf: idfOf(df, this.liveCount) };
    });
  }

  /** Which of `terms` occur in a chunk (any field). */
  matchedTerms(chunkId: string, terms: readonly string[]): Set<string> {
    const matched = new Set<string>();
    const doc = this.docByChunkId.get(chunkId);
    if (doc === undefined) return matched;
    const ids = this.docTermIds[doc];
    if (!ids) return matched;
    for (const term of terms) {
      const id = this.termIds.get(term);
      if (id !== undefined && ids.includes(id)) matched.add(term);
    }
    return matched;
  }

  /**
   * Indexed terms (present in some live chunk) that look derived from the same word as `term` (see
   * {@link sharesDerivationalStem}): "creation" for "creat".
   */
  derivedTerms(term: string): string[] {
    if (term.length < DERIVATIONAL_MIN_PREFIX) return [];
    const out: string[] = [];
    for (const other of this.termsByPrefix.get(term.slice(0, DERIVATIONAL_MIN_PREFIX)) ?? []) {
      const id = this.termIds.get(other);
      if (id !== undefined && (this.df[id] ?? 0) > 0 && sharesDerivationalStem(term, other)) out.push(other);
    }
    return out;
  }

  /**
   * The best `k` chunks for a query: a string (analysed here), or analysed terms, each optionally
   * weighted (`{ term, weight }`, BM25 contribution × weight). Weighted terms sharing a `group` are
   * alternatives for one meaning (synonyms, derived forms): a chunk scores only its best of them, so
   * an article using three synonyms does not outscore one using the question's own word. A course
   * search sees tenant-wide chunks plus that course's; without a course only tenant-wide chunks.
   */
  search(query: string | readonly (string | WeightedTerm)[], options: IndexSearchOptions): IndexHit[] {
    if (this.liveCount === 0 || options.k <= 0) return [];
    const single: WeightedTerm[] = [];
    const grouped = new Map<number, WeightedTerm[]>();
    const seen = new Set<string>();
    for (const item of typeof query === 'string' ? this.queryTerms(query) : query) {
      const t = typeof item === 'string' ? { term: item, weight: 1 } : item;
      if (seen.has(t.term) || !(t.weight > 0)) continue;
      seen.add(t.term);
      if (t.group === undefined) single.push(t);
      else {
        const list = grouped.get(t.group) ?? [];
        list.push(t);
        grouped.set(t.group, list);
      }
    }
    const wantedCourse =
      options.courseId == null
        ? NO_COURSE
        : (this.courseIds.get(options.courseId) ?? Number.MIN_SAFE_INTEGER);
    const avgLen = this.totalLen / this.liveCount || 1;
    const k1 = this.k1;
    const kb = (k1 * this.b) / avgLen;
    const k1b = k1 * (1 - this.b);
    const scores = this.scratchScores;
    const touched = this.scratchTouched;
    const { alive, docCourse, docLen } = this;
    let touchedCount = 0;

    // Scores one term's postings into `into` (summed, or the best per chunk when `max`).
    const scoreTerm = (
      t: WeightedTerm,
      into: Float64Array,
      list: Int32Array,
      count: number,
      max: boolean,
    ) => {
      const id = this.termIds.get(t.term);
      if (id === undefined) return count;
      const docs = this.postingDocs[id];
      const tfs = this.postingTfs[id];
      const len = this.postingLen[id] ?? 0;
      if (!docs || !tfs) return count;
      const idf = idfOf(this.df[id] ?? 0, this.liveCount) * t.weight;
      let n = count;
      for (let i = 0; i < len; i++) {
        const doc = docs[i] as number;
        if (alive[doc] === 0) continue;
        const course = docCourse[doc] as number;
        if (course !== NO_COURSE && course !== wantedCourse) continue;
        const tf = tfs[i] as number;
        const s = (idf * tf * (k1 + 1)) / (tf + k1b + kb * (docLen[doc] as number));
        const before = into[doc] as number;
        if (before === 0) list[n++] = doc;
        into[doc] = max ? Math.max(s, before) : before + s;
      }
      return n;
    };

    for (const t of single) touchedCount = scoreTerm(t, scores, touched, touchedCount, false);
    const best = this.scratchGroup;
    const groupTouched = this.scratchGroupTouched;
    for (const terms of grouped.values()) {
      let n = 0;
      for (const t of terms) n = scoreTerm(t, best, groupTouched, n, true);
      for (let i = 0; i < n; i++) {
        const doc = groupTouched[i] as number;
        if (scores[doc] === 0) touched[touchedCount++] = doc;
        scores[doc] = (scores[doc] as number) + (best[doc] as number);
        best[doc] = 0;
      }
    }

    const top = new TopK(options.k);
    for (let i = 0; i < touchedCount; i++) {
      const doc = touched[i] as number;
      top.push(doc, scores[doc] as number);
      scores[doc] = 0;
    }
    return top.sorted().map(({ id, score }) => ({ chunkId: this.chunkIds[id] ?? '', score }));
  }

  private addOne(record: ChunkRecord): void {
    const doc = this.chunkIds.length;
    this.ensureDocCapacity(doc + 1);
    const language = detectLanguage(`${record.title} ${record.text}`);
    this.docLanguages[doc] = language;
    this.languageCounts.set(language, (this.languageCounts.get(language) ?? 0) + 1);
    const tf = new Map<number, number>();
    let length = 0;
    const addField = (text: string, weight: number) => {
      if (!text || weight === 0) return;
      for (const term of analyze(text, { language })) {
        let id = this.termIds.get(term);
        if (id === undefined) {
          id = this.postingDocs.length;
          this.termIds.set(term, id);
          if (term.length >= DERIVATIONAL_MIN_PREFIX) {
            const prefix = term.slice(0, DERIVATIONAL_MIN_PREFIX);
            const same = this.termsByPrefix.get(prefix);
            if (same) same.push(term);
            else this.termsByPrefix.set(prefix, [term]);
          }
          this.postingDocs.push(new Int32Array(INITIAL_POSTINGS));
          this.postingTfs.push(new Float32Array(INITIAL_POSTINGS));
          this.postingLen.push(0);
          this.df.push(0);
        }
        tf.set(id, (tf.get(id) ?? 0) + weight);
        length += weight;
      }
    };
    addField(record.title, this.weights.title);
    addField(record.heading, this.weights.heading);
    addField(record.text, this.weights.body);

    const ids = new Int32Array(tf.size);
    const tfs = new Float32Array(tf.size);
    let i = 0;
    for (const [id, value] of tf) {
      ids[i] = id;
      tfs[i] = value;
      i++;
      this.appendPosting(id, doc, value);
      this.df[id] = (this.df[id] ?? 0) + 1;
    }
    this.chunkIds.push(record.chunkId);
    this.sourceIds.push(record.sourceId);
    this.docTermIds.push(ids);
    this.docTermTfs.push(tfs);
    this.docLen[doc] = length;
    this.docCourse[doc] = this.courseNumber(record.courseId);
    this.alive[doc] = 1;
    this.docByChunkId.set(record.chunkId, doc);
    let sourceDocs = this.docsBySource.get(record.sourceId);
    if (!sourceDocs) {
      sourceDocs = new Set();
      this.docsBySource.set(record.sourceId, sourceDocs);
    }
    sourceDocs.add(doc);
    this.liveCount++;
    this.totalLen += length;
  }

  private courseNumber(courseId: string | null): number {
    if (courseId == null) return NO_COURSE;
    let n = this.courseIds.get(courseId);
    if (n === undefined) {
      n = this.courseIds.size;
      this.courseIds.set(courseId, n);
    }
    return n;
  }

  private appendPosting(id: number, doc: number, tf: number): void {
    let docs = this.postingDocs[id] as Int32Array;
    let tfs = this.postingTfs[id] as Float32Array;
    const len = this.postingLen[id] ?? 0;
    if (len === docs.length) {
      const grownDocs = new Int32Array(len * 2);
      grownDocs.set(docs);
      const grownTfs = new Float32Array(len * 2);
      grownTfs.set(tfs);
      docs = grownDocs;
      tfs = grownTfs;
      this.postingDocs[id] = docs;
      this.postingTfs[id] = tfs;
    }
    docs[len] = doc;
    tfs[len] = tf;
    this.postingLen[id] = len + 1;
  }

  private ensureDocCapacity(n: number): void {
    if (n <= this.alive.length) return;
    const capacity = Math.max(n, this.alive.length * 2);
    const grow = <T extends Float32Array | Int32Array | Uint8Array>(old: T, make: (size: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.docLen = grow(this.docLen, (s) => new Float32Array(s));
    this.docCourse = grow(this.docCourse, (s) => new Int32Array(s));
    this.alive = grow(this.alive, (s) => new Uint8Array(s));
    this.scratchScores = new Float64Array(capacity);
    this.scratchTouched = new Int32Array(capacity);
    this.scratchGroup = new Float64Array(capacity);
    this.scratchGroupTouched = new Int32Array(capacity);
  }

  private removeDoc(doc: number): void {
    if (this.alive[doc] !== 1) return;
    this.alive[doc] = 0;
    const language = this.docLanguages[doc];
    if (language) this.languageCounts.set(language, (this.languageCounts.get(language) ?? 1) - 1);
    for (const id of this.docTermIds[doc] ?? []) this.df[id] = (this.df[id] ?? 1) - 1;
    this.docByChunkId.delete(this.chunkIds[doc] ?? '');
    this.docsBySource.get(this.sourceIds[doc] ?? '')?.delete(doc);
    if (this.docsBySource.get(this.sourceIds[doc] ?? '')?.size === 0) {
      this.docsBySource.delete(this.sourceIds[doc] ?? '');
    }
    this.liveCount--;
    this.deadCount++;
    this.totalLen -= this.docLen[doc] ?? 0;
  }

  // Dead postings cost scan time; rebuild once they outnumber live chunks.
  private maybeCompact(): void {
    if (this.deadCount < 1024 || this.deadCount < this.liveCount) return;
    const old = {
      chunkIds: this.chunkIds,
      sourceIds: this.sourceIds,
      docLanguages: this.docLanguages,
      docTermIds: this.docTermIds,
      docTermTfs: this.docTermTfs,
      docLen: this.docLen,
      docCourse: this.docCourse,
      alive: this.alive,
    };
    this.chunkIds = [];
    this.sourceIds = [];
    this.docLanguages = [];
    this.docTermIds = [];
    this.docTermTfs = [];
    this.docLen = new Float32Array(Math.max(1024, this.liveCount));
    this.docCourse = new Int32Array(this.docLen.length);
    this.alive = new Uint8Array(this.docLen.length);
    this.postingLen = this.postingLen.map(() => 0);
    this.docByChunkId.clear();
    this.docsBySource.clear();
    for (let doc = 0; doc < old.chunkIds.length; doc++) {
      if (old.alive[doc] !== 1) continue;
      const next = this.chunkIds.length;
      const ids = old.docTermIds[doc] ?? new Int32Array(0);
      const tfs = old.docTermTfs[doc] ?? new Float32Array(0);
      for (let i = 0; i < ids.length; i++) this.appendPosting(ids[i] as number, next, tfs[i] as number);
      const chunkId = old.chunkIds[doc] ?? '';
      const sourceId = old.sourceIds[doc] ?? '';
      this.chunkIds.push(chunkId);
      this.sourceIds.push(sourceId);
      this.docLanguages.push(old.docLanguages[doc] ?? 'en');
      this.docTermIds.push(ids);
      this.docTermTfs.push(tfs);
      this.docLen[next] = old.docLen[doc] ?? 0;
      this.docCourse[next] = old.docCourse[doc] ?? NO_COURSE;
      this.alive[next] = 1;
      this.docByChunkId.set(chunkId, next);
      let set = this.docsBySource.get(sourceId);
      if (!set) {
        set = new Set();
        this.docsBySource.set(sourceId, set);
      }
      set.add(next);
    }
    this.deadCount = 0;
    this.scratchScores = new Float64Array(this.docLen.length);
    this.scratchTouched = new Int32Array(this.docLen.length);
    this.scratchGroup = new Float64Array(this.docLen.length);
    this.scratchGroupTouched = new Int32Array(this.docLen.length);
  }
}
