/**
 * Shared shapes of the knowledge module. Everything here is plain data (strings, numbers, arrays) so
 * that records can be stored in MongoDB and the in-memory indexes rebuilt from them.
 */

/** Formats the chunker understands. */
export type DocumentFormat = 'markdown' | 'text' | 'html';

/** A document as handed over by whoever owns storage (upload, sync, seed). */
export interface SourceDocument {
  /** Caller-chosen stable id; one source = one document. */
  sourceId: string;
  /** Raw content in `format`. */
  content: string;
  format: DocumentFormat;
  /** Original file name or URL, shown in citations and used as a title fallback. */
  path?: string;
  /** Explicit title; otherwise the first H1 (or <h1>/<title>), otherwise the file name. */
  title?: string;
  /** null or absent: visible tenant-wide; otherwise only inside that course. */
  courseId?: string | null;
}

/** One piece of a document as produced by the chunker. */
export interface Chunk {
  text: string;
  /** Heading path of the section the chunk comes from, e.g. "Enroll in a Course > Steps"; '' before any heading. */
  heading: string;
  /** 0-based position of the chunk inside its document. */
  ordinal: number;
}

/**
 * The unit the indexes hold, and the unit to persist: rebuilding an index is `add(records)`.
 * `embedding` is optional; records without one are only searchable lexically.
 */
export interface ChunkRecord {
  chunkId: string;
  sourceId: string;
  courseId: string | null;
  title: string;
  heading: string;
  path: string;
  ordinal: number;
  text: string;
  embedding?: ArrayLike<number>;
}

/** A ranked hit from one index. */
export interface IndexHit {
  chunkId: string;
  score: number;
}

/** Search options shared by the lexical and the vector index. */
export interface IndexSearchOptions {
  /** How many hits to return. */
  k: number;
  /** When given, tenant-wide chunks plus this course's chunks; when absent/null, tenant-wide only. */
  courseId?: string | null;
}
