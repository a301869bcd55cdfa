import { type Audience, inferAudience } from './audience.js';
import { Bm25Index } from './bm25.index.js';
import type { ChunkRecord } from './knowledge.types.js';
import type { KnowledgeEngineOptions } from './knowledge-engine.options.js';
import { analyze } from './text-analysis.service.js';
import { TypoCorrector } from './typo-correction.js';
import { VectorIndex } from './vector.index.js';

/** One tenant's in-memory indexes and what ranking needs to know about its documents. */
export interface TenantIndex {
  bm25: Bm25Index;
  vectors: VectorIndex;
  records: Map<string, ChunkRecord>;
  /** One entry per document, rebuilt lazily for sources whose chunks changed. */
  documents: Bm25Index;
  dirtySources: Set<string>;
  /** Analysed title terms per source. */
  titleTerms: Map<string, string[]>;
  /** Who each source is written for, when it says (see audience.ts). */
  audiences: Map<string, Audience | null>;
  corrector: TypoCorrector;
}

export function createTenantIndex(options: KnowledgeEngineOptions): TenantIndex {
  const bm25 = new Bm25Index(options.bm25);
  return {
    bm25,
    corrector: new TypoCorrector(bm25),
    vectors: new VectorIndex(options.vector),
    records: new Map(),
    documents: new Bm25Index(options.documentLevel?.bm25),
    dirtySources: new Set(),
    titleTerms: new Map(),
    audiences: new Map(),
  };
}

/** Adds records (with or without embeddings); the same chunkId replaces. */
export function addRecords(tenant: TenantIndex, records: readonly ChunkRecord[]): void {
  tenant.bm25.add(records);
  tenant.vectors.add(records);
  for (const record of records) {
    const { embedding: _embedding, ...rest } = record;
    tenant.records.set(record.chunkId, rest);
    tenant.dirtySources.add(record.sourceId);
    if (!tenant.titleTerms.has(record.sourceId)) {
      tenant.titleTerms.set(record.sourceId, [...new Set(analyze(record.title))]);
    }
    if (record.ordinal === 0) tenant.audiences.set(record.sourceId, inferAudience(record));
  }
}

/** Removes every trace of a document. */
export function removeSourceRecords(tenant: TenantIndex, sourceId: string): void {
  tenant.bm25.removeSource(sourceId);
  tenant.vectors.removeSource(sourceId);
  for (const [chunkId, record] of tenant.records)
    if (record.sourceId === sourceId) tenant.records.delete(chunkId);
  tenant.documents.removeSource(sourceId);
  tenant.dirtySources.delete(sourceId);
  tenant.titleTerms.delete(sourceId);
  tenant.audiences.delete(sourceId);
}

/**
 * Rebuilds the document-level entries (title plus all headings, and the body when `includeBody`) of the
 * sources whose chunks changed since the last question that needed them.
 */
export function refreshDocumentIndex(tenant: TenantIndex, includeBody: boolean): void {
  if (tenant.dirtySources.size === 0) return;
  const bySource = new Map<string, ChunkRecord[]>();
  for (const record of tenant.records.values()) {
    if (!tenant.dirtySources.has(record.sourceId)) continue;
    const list = bySource.get(record.sourceId) ?? [];
    list.push(record);
    bySource.set(record.sourceId, list);
  }
  for (const sourceId of tenant.dirtySources) {
    tenant.documents.removeSource(sourceId);
    const chunks = (bySource.get(sourceId) ?? []).sort((a, b) => a.ordinal - b.ordinal);
    const first = chunks[0];
    if (!first) continue;
    tenant.documents.add([
      {
        chunkId: sourceId,
        sourceId,
        courseId: first.courseId,
        title: first.title,
        path: first.path,
        ordinal: 0,
        heading: [...new Set(chunks.map((c) => c.heading).filter(Boolean))].join(' \n '),
        text: includeBody ? chunks.map((c) => c.text).join('\n\n') : '',
      },
    ]);
  }
  tenant.dirtySources.clear();
}
