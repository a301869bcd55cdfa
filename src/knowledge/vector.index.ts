import { createInt8DotKernel, type Int8DotKernel } from './int8-dot.wasm.js';
import type { ChunkRecord, IndexHit, IndexSearchOptions } from './knowledge.types.js';
import { TopK } from './top-k.util.js';

/** Options for {@link VectorIndex}. */
export interface VectorIndexOptions {
  /**
   * How many approximate (int8) candidates per requested hit are re-scored exactly in float32.
   * Int8 quantisation of unit vectors changes cosine by ~1e-3, so a small pool recovers the exact order.
   */
  rescoreFactor?: number;
  /** Force the plain-JS float32 scan (tests, or platforms without WebAssembly SIMD). */
  disableSimd?: boolean;
}

const NO_COURSE = -1;
const WASM_PAGE = 65536;

/**
 * In-memory cosine similarity over chunk embeddings for one tenant. Vectors are normalised once on
 * insert and kept in one contiguous Float32Array; a parallel int8 copy lives in WebAssembly memory
 * for a SIMD brute-force scan, whose best candidates are re-scored exactly.
 */
export class VectorIndex {
  private dim = 0;
  private paddedDim = 0;
  private capacity = 0;
  private count = 0;
  private liveCount = 0;
  private vectors = new Float32Array(0);
  private rowScale = new Float32Array(0);
  private alive = new Uint8Array(0);
  private docCourse = new Int32Array(0);
  private chunkIds: string[] = [];
  private sourceIds: string[] = [];
  private readonly docByChunkId = new Map<string, number>();
  private readonly docsBySource = new Map<string, Set<number>>();
  private readonly courseIds = new Map<string, number>();
  private readonly rescoreFactor: number;
  private readonly kernel: Int8DotKernel | null;

  constructor(options: VectorIndexOptions = {}) {
    this.rescoreFactor = options.rescoreFactor ?? 4;
    this.kernel = options.disableSimd ? null : createInt8DotKernel();
  }

  /** Number of live vectors. */
  get size(): number {
    return this.liveCount;
  }

  /** Embedding dimension (0 until the first vector is added). */
  get dimensions(): number {
    return this.dim;
  }

  /** Adds (or replaces, by chunkId) the records that carry an embedding; others are ignored. */
  add(records: readonly ChunkRecord[]): void {
    for (const record of records) {
      if (!record.embedding || record.embedding.length === 0) continue;
      const existing = this.docByChunkId.get(record.chunkId);
      if (existing !== undefined) this.removeDoc(existing);
      this.addOne(record.chunkId, record.sourceId, record.courseId, record.embedding);
    }
  }

  /** Removes every vector of a source; returns how many were removed. */
  removeSource(sourceId: string): number {
    const docs = this.docsBySource.get(sourceId);
    if (!docs) return 0;
    const n = docs.size;
    for (const doc of [...docs]) this.removeDoc(doc);
    if (this.count - this.liveCount > Math.max(1024, this.liveCount)) this.compact();
    return n;
  }

  /** The `k` most cosine-similar chunks to `query`, with the same course visibility as the BM25 index. */
  search(query: ArrayLike<number>, options: IndexSearchOptions): IndexHit[] {
    if (this.liveCount === 0 || options.k <= 0) return [];
    if (query.length !== this.dim) {
      throw new Error(`query embedding has ${query.length} dimensions, index has ${this.dim}`);
    }
    const q = normalise(query);
    const wanted =
      options.courseId == null
        ? NO_COURSE
        : (this.courseIds.get(options.courseId) ?? Number.MIN_SAFE_INTEGER);
    const { alive, docCourse } = this;
    const visible = (doc: number) => {
      if (alive[doc] !== 1) return false;
      const course = docCourse[doc] as number;
      return course === NO_COURSE || course === wanted;
    };

    let candidates: number[];
    if (this.kernel) {
      // One pass over the int8 scores, scaled per row, filtered only when a row could enter the pool.
      // The pool's threshold is cached in a local: the loop runs once per row (tens of thousands).
      const raw = this.approximateScores(q);
      const scale = this.rowScale;
      const pool = new TopK(options.k * this.rescoreFactor);
      let threshold = pool.threshold;
      const count = this.count;
      for (let doc = 0; doc < count; doc++) {
        const approx = (raw[doc] as number) * (scale[doc] as number);
        if (approx > threshold && visible(doc)) {
          pool.push(doc, approx);
          threshold = pool.threshold;
        }
      }
      candidates = pool.sorted().map((c) => c.id);
    } else {
      candidates = [];
      for (let doc = 0; doc < this.count; doc++) if (visible(doc)) candidates.push(doc);
    }
    const top = new TopK(options.k);
    for (const doc of candidates) top.push(doc, this.exactDot(q, doc));
    return top.sorted().map(({ id, score }) => ({ chunkId: this.chunkIds[id] ?? '', score }));
  }

  private exactDot(q: Float32Array, doc: number): number {
    const v = this.vectors;
    const offset = doc * this.dim;
    let a = 0;
    let b = 0;
    let j = 0;
    const dim = this.dim;
    for (; j + 1 < dim; j += 2) {
      a += (v[offset + j] as number) * (q[j] as number);
      b += (v[offset + j + 1] as number) * (q[j + 1] as number);
    }
    if (j < dim) a += (v[offset + j] as number) * (q[j] as number);
    return a + b;
  }

  /** Int8 dot products of the query with every row (unscaled; the query's own scale does not change order). */
  private approximateScores(q: Float32Array): Int32Array {
    const kernel = this.kernel as Int8DotKernel;
    const pd = this.paddedDim;
    const outPtr = pd + this.capacity * pd;
    quantise(q, new Int8Array(kernel.memory.buffer, 0, pd));
    kernel.dot(0, pd, this.count, pd, outPtr);
    return new Int32Array(kernel.memory.buffer, outPtr, this.count);
  }

  private addOne(
    chunkId: string,
    sourceId: string,
    courseId: string | null,
    embedding: ArrayLike<number>,
  ): void {
    if (this.dim === 0) {
      this.dim = embedding.length;
      this.paddedDim = Math.ceil(embedding.length / 16) * 16;
    } else if (embedding.length !== this.dim) {
      throw new Error(`embedding for ${chunkId} has ${embedding.length} dimensions, index has ${this.dim}`);
    }
    this.ensureCapacity(this.count + 1);
    const doc = this.count++;
    const unit = normalise(embedding);
    this.vectors.set(unit, doc * this.dim);
    if (this.kernel) {
      const row = new Int8Array(this.kernel.memory.buffer, this.paddedDim * (1 + doc), this.paddedDim);
      this.rowScale[doc] = quantise(unit, row);
    }
    this.alive[doc] = 1;
    this.docCourse[doc] = this.courseNumber(courseId);
    this.chunkIds[doc] = chunkId;
    this.sourceIds[doc] = sourceId;
    this.docByChunkId.set(chunkId, doc);
    let set = this.docsBySource.get(sourceId);
    if (!set) {
      set = new Set();
      this.docsBySource.set(sourceId, set);
    }
    set.add(doc);
    this.liveCount++;
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

  private ensureCapacity(n: number): void {
    if (n <= this.capacity) return;
    const capacity = Math.max(n, this.capacity * 2, 1024);
    const vectors = new Float32Array(capacity * this.dim);
    vectors.set(this.vectors);
    this.vectors = vectors;
    const grow = <T extends Float32Array | Int32Array | Uint8Array>(old: T, next: T): T => {
      next.set(old);
      return next;
    };
    this.rowScale = grow(this.rowScale, new Float32Array(capacity));
    this.alive = grow(this.alive, new Uint8Array(capacity));
    this.docCourse = grow(this.docCourse, new Int32Array(capacity));
    if (this.kernel) {
      // Layout: [query: paddedDim][rows: capacity × paddedDim][scores: capacity × i32]. Rows keep
      // their offsets when growing, so only the score area moves.
      const needed = this.paddedDim * (1 + capacity) + capacity * 4;
      const have = this.kernel.memory.buffer.byteLength;
      if (needed > have) this.kernel.memory.grow(Math.ceil((needed - have) / WASM_PAGE));
    }
    this.capacity = capacity;
  }

  private removeDoc(doc: number): void {
    if (this.alive[doc] !== 1) return;
    this.alive[doc] = 0;
    this.liveCount--;
    this.docByChunkId.delete(this.chunkIds[doc] ?? '');
    const sourceId = this.sourceIds[doc] ?? '';
    const set = this.docsBySource.get(sourceId);
    set?.delete(doc);
    if (set?.size === 0) this.docsBySource.delete(sourceId);
  }

  private compact(): void {
    const keep: { chunkId: string; sourceId: string; course: number; vector: Float32Array }[] = [];
    for (let doc = 0; doc < this.count; doc++) {
      if (this.alive[doc] !== 1) continue;
      keep.push({
        chunkId: this.chunkIds[doc] ?? '',
        sourceId: this.sourceIds[doc] ?? '',
        course: this.docCourse[doc] as number,
        vector: this.vectors.slice(doc * this.dim, (doc + 1) * this.dim),
      });
    }
    const courseById = new Map([...this.courseIds].map(([id, n]) => [n, id]));
    this.count = 0;
    this.liveCount = 0;
    this.chunkIds = [];
    this.sourceIds = [];
    this.docByChunkId.clear();
    this.docsBySource.clear();
    this.alive.fill(0);
    for (const row of keep) {
      this.addOne(row.chunkId, row.sourceId, courseById.get(row.course) ?? null, row.vector);
    }
  }
}

function normalise(vector: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(vector);
  let norm = 0;
  for (let i = 0; i < out.length; i++) norm += (out[i] as number) * (out[i] as number);
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / norm;
  return out;
}

/** Writes `vector` as int8 scaled to use the full range; returns the factor back to float. */
function quantise(vector: Float32Array, into: Int8Array): number {
  let max = 0;
  for (let i = 0; i < vector.length; i++) max = Math.max(max, Math.abs(vector[i] as number));
  into.fill(0);
  if (max === 0) return 0;
  const scale = 127 / max;
  for (let i = 0; i < vector.length; i++) into[i] = Math.round((vector[i] as number) * scale);
  return 1 / scale;
}
