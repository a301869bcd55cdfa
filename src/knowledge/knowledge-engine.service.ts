import { resolveLocale } from './answer-strings.catalog.js';
import { type AskResult, type PassageResult, passageResult } from './ask-result.js';
import { documentToRecords } from './chunking.service.js';
import { confidenceFeatures, NO_EVIDENCE, retrievalConfidence } from './confidence.service.js';
import { buildExtractiveAnswer } from './extractive-answer.service.js';
import { fuseRankings, type RankedList, rankSources } from './fusion.service.js';
import type { ChunkRecord, SourceDocument } from './knowledge.types.js';
import {
  type AskOptions,
  DEFAULT_NOT_COVERED_THRESHOLD,
  type KnowledgeEngineOptions,
} from './knowledge-engine.options.js';
import { lmsVocabulary } from './lms-vocabulary.data.js';
import { QueryExpander } from './query-expansion.service.js';
import { correctTypos, expandQuestion, questionLanguage } from './question-terms.js';
import { bestVectorOf, withDocumentEvidence } from './source-evidence.js';
import { addRecords, createTenantIndex, removeSourceRecords, type TenantIndex } from './tenant-index.js';
import { detectLanguage } from './text-analysis.service.js';

export type { AskResult, PassageResult, SourceResult } from './ask-result.js';
export {
  type AskOptions,
  DEFAULT_NOT_COVERED_THRESHOLD,
  type KnowledgeEngineOptions,
} from './knowledge-engine.options.js';

/**
 * Retrieval and extractive answering over per-tenant in-memory indexes. It owns no storage: `index`
 * returns the chunk records to persist (add embeddings, store them), and `load` rebuilds a tenant
 * from stored records, so a process can restart from the database.
 */
export class KnowledgeEngine {
  private readonly tenants = new Map<string, TenantIndex>();
  private readonly options: KnowledgeEngineOptions;
  private readonly expander: QueryExpander;

  constructor(options: KnowledgeEngineOptions = {}) {
    this.options = options;
    this.expander = new QueryExpander(options.vocabulary?.groups ?? lmsVocabulary());
  }

  /**
   * Chunks documents and indexes them for a tenant, replacing any indexed version of the same sourceIds.
   * Returns the records (without embeddings) so the caller can embed and persist them.
   */
  async index(tenantId: string, docs: readonly SourceDocument[]): Promise<ChunkRecord[]> {
    const all: ChunkRecord[] = [];
    for (const doc of docs) {
      const records = await documentToRecords(doc, this.options.chunking);
      this.removeSource(tenantId, doc.sourceId);
      this.load(tenantId, records);
      all.push(...records);
    }
    return all;
  }

  /** Adds stored records (with or without embeddings) to a tenant's indexes; same chunkId replaces. */
  load(tenantId: string, records: readonly ChunkRecord[]): void {
    addRecords(this.tenant(tenantId), records);
  }

  /** Removes a document from a tenant's indexes. */
  removeSource(tenantId: string, sourceId: string): void {
    const tenant = this.tenants.get(tenantId);
    if (tenant) removeSourceRecords(tenant, sourceId);
  }

  /** Drops a tenant's in-memory indexes (e.g. before a rebuild). */
  dropTenant(tenantId: string): void {
    this.tenants.delete(tenantId);
  }

  /** Number of chunks indexed for a tenant. */
  size(tenantId: string): number {
    return this.tenants.get(tenantId)?.records.size ?? 0;
  }

  /** Number of chunks with an embedding for a tenant. */
  vectorCount(tenantId: string): number {
    return this.tenants.get(tenantId)?.vectors.size ?? 0;
  }

  /** Retrieves, scores confidence and builds an extractive answer (or a "not covered" reply). */
  ask(tenantId: string, question: string, options: AskOptions = {}): AskResult {
    const o = this.options;
    const locale = resolveLocale(options.locale);
    const tenant = this.tenants.get(tenantId);
    const language = questionLanguage(tenant, question, locale);
    const empty = (): AskResult => ({
      passages: [],
      sources: [],
      confidence: 0,
      notCovered: true,
      answer: buildExtractiveAnswer([], { locale }),
      mode: 'extractive',
      language,
      features: NO_EVIDENCE,
    });
    if (!tenant || tenant.records.size === 0) return empty();

    const pool = o.candidatePool ?? 60;
    const scope = { k: pool, courseId: options.courseId ?? null };
    const { terms, weighted } = correctTypos(
      tenant,
      expandQuestion(tenant, this.expander, o.vocabulary, question, language),
    );
    const lists: RankedList[] = [{ name: 'lexical', hits: tenant.bm25.search(weighted, scope) }];
    if (options.queryEmbedding && tenant.vectors.size > 0) {
      lists.push({ name: 'vector', hits: tenant.vectors.search(options.queryEmbedding, scope) });
    }
    const fused = fuseRankings(lists, o.fusion);
    const ranked = withDocumentEvidence(
      o,
      tenant,
      terms,
      weighted,
      scope,
      rankSources(fused, (id) => tenant.records.get(id)?.sourceId, o.sources),
      options.role,
    );
    const top = ranked[0];
    if (!top) return empty();

    const evidence = top.passages.slice(0, o.evidencePassages ?? 2);
    const ownTerms = terms.map((t) => t.term);
    const matched = new Set<string>();
    for (const p of evidence) for (const t of tenant.bm25.matchedTerms(p.chunkId, ownTerms)) matched.add(t);

    const vectorScores = fused.map((p) => p.scores.vector).filter((s): s is number => s !== undefined);
    const features = confidenceFeatures({
      queryTerms: tenant.bm25.termStats(ownTerms),
      matchedTerms: matched,
      topLexicalScore: lists[0]?.hits[0]?.score ?? 0,
      k1: o.bm25?.k1 ?? 1.2,
      topSourceScore: top.score,
      secondSourceScore: ranked[1]?.score ?? 0,
      topTitleMatch: top.title ?? 0,
      topDocumentMatch: top.document ?? 0,
      // As written, not as analysed: a Spanish question may be searched with English analysis.
      foreign: detectLanguage(question, 'en') !== tenant.bm25.mainLanguage,
      topVectorScore: vectorScores.length > 0 ? Math.max(...vectorScores) : undefined,
      secondVectorScore: bestVectorOf(ranked[1]),
    });
    const confidence = retrievalConfidence(features, {
      ...o.confidence,
      embeddingModel: options.embeddingModel,
    });
    const notCovered =
      confidence < (options.notCoveredThreshold ?? o.notCoveredThreshold ?? DEFAULT_NOT_COVERED_THRESHOLD);

    const toPassage = (chunkId: string, score: number, scores: Record<string, number>) =>
      passageResult(tenant.records, chunkId, score, scores);
    const passages = fused
      .slice(0, o.maxPassages ?? 5)
      .map((p) => toPassage(p.chunkId, p.score, p.scores))
      .filter((p): p is PassageResult => p !== null);
    const sources = ranked.slice(0, o.maxSources ?? 5).map((s) => {
      const r = tenant.records.get(s.passages[0]?.chunkId ?? '');
      return {
        sourceId: s.sourceId,
        title: r?.title ?? s.sourceId,
        path: r?.path ?? s.sourceId,
        score: s.score,
      };
    });

    // The answer reads the best document's passages first (in rank order), then the runners-up.
    const answerPassages = [
      ...top.passages.map((p) => toPassage(p.chunkId, p.score, p.scores)),
      ...ranked
        .slice(1, 3)
        .map((s) => (s.passages[0] ? toPassage(s.passages[0].chunkId, s.score, {}) : null)),
    ].filter((p): p is PassageResult => p !== null);
    // The question picks the sentences or steps shown and, with the UI locale, the framing language.
    const framing = { locale: options.locale ?? locale, question };
    const answer = buildExtractiveAnswer(notCovered ? [] : answerPassages, framing);
    return { passages, sources, confidence, notCovered, answer, mode: 'extractive', language, features };
  }

  private tenant(tenantId: string): TenantIndex {
    let tenant = this.tenants.get(tenantId);
    if (!tenant) {
      tenant = createTenantIndex(this.options);
      this.tenants.set(tenantId, tenant);
    }
    return tenant;
  }
}
