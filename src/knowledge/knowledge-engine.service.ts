import { resolveLocale } from './answer-strings.catalog.js';
import { Bm25Index, type Bm25Options } from './bm25.index.js';
import { type ChunkingOptions, documentToRecords } from './chunking.service.js';
import { type ConfidenceOptions, retrievalConfidence } from './confidence.service.js';
import { type Answer, type AnswerPassage, buildExtractiveAnswer } from './extractive-answer.service.js';
import {
  type FusionOptions,
  fuseRankings,
  type RankedList,
  type RankedSource,
  rankSources,
  type SourceRankingOptions,
} from './fusion.service.js';
import type { ChunkRecord, SourceDocument } from './knowledge.types.js';
import { analyze, detectLanguage, type Language } from './text-analysis.service.js';
import { VectorIndex, type VectorIndexOptions } from './vector.index.js';

/** Tuning knobs of the engine; every field has a default. */
export interface KnowledgeEngineOptions {
  chunking?: ChunkingOptions;
  bm25?: Bm25Options;
  vector?: VectorIndexOptions;
  fusion?: FusionOptions;
  sources?: SourceRankingOptions;
  confidence?: ConfidenceOptions;
  /** Below this confidence the question is flagged `notCovered` and no answer is attempted. */
  notCoveredThreshold?: number;
  /** Hits taken from each index before fusion. Default 60. */
  candidatePool?: number;
  /** Passages and sources returned. Defaults 5 and 5. */
  maxPassages?: number;
  maxSources?: number;
  /** How many of the best document's passages count as "the best passages" for coverage. Default 2. */
  evidencePassages?: number;
  /**
   * Whole-document evidence mixed into source ranking: a second BM25 index with one entry per document
   * (title, all its headings, and optionally its full text). Passages find the spot; the document view
   * says which article is *about* the question. Defaults: weight 0.5, includeBody false (titles and
   * headings only: full text repeats what passages already score). `weight` 0 disables it.
   */
  documentLevel?: { weight?: number; includeBody?: boolean; bm25?: Bm25Options };
  /**
   * Weight of title similarity in source ranking: the idf-weighted cosine between the question's terms
   * and the document title's terms. Help articles are titled by the task they explain, and a question
   * naming that task should pick that article over one that merely mentions its words. Default 1.
   */
  titleWeight?: number;
}

/** Per-question options. */
export interface AskOptions {
  /** The launch's course: its documents plus tenant-wide ones are searched. */
  courseId?: string | null;
  /** UI locale for the answer's framing strings ('en', 'es', 'es-MX'…). */
  locale?: string;
  /** Embedding of the question, from the same model as the chunks' embeddings; omit for lexical only. */
  queryEmbedding?: ArrayLike<number>;
  /** Overrides the engine's `notCoveredThreshold` for this question (a tenant's own setting). */
  notCoveredThreshold?: number;
}

/** A passage in an {@link AskResult}. */
export interface PassageResult extends AnswerPassage {
  courseId: string | null;
  /** Fused score (comparable within one result only). */
  score: number;
  lexicalScore?: number;
  vectorScore?: number;
}

/** A document in an {@link AskResult}. */
export interface SourceResult {
  sourceId: string;
  title: string;
  path: string;
  score: number;
}

/** Everything `ask` knows about a question. */
export interface AskResult {
  passages: PassageResult[];
  sources: SourceResult[];
  confidence: number;
  notCovered: boolean;
  answer: Answer;
  mode: 'extractive';
  /** Language the question was analysed in. */
  language: 'en' | 'es';
}

interface TenantIndex {
  bm25: Bm25Index;
  vectors: VectorIndex;
  records: Map<string, ChunkRecord>;
  /** One entry per document, rebuilt lazily for sources whose chunks changed. */
  documents: Bm25Index;
  dirtySources: Set<string>;
  /** Analysed title terms per source. */
  titleTerms: Map<string, string[]>;
}

/** Default `notCoveredThreshold`, chosen on half of the labelled questions (see scripts/eval.ts). */
export const DEFAULT_NOT_COVERED_THRESHOLD = 0.3;

/**
 * Retrieval and extractive answering over per-tenant in-memory indexes. It owns no storage: `index`
 * returns the chunk records to persist (add embeddings, store them), and `load` rebuilds a tenant
 * from stored records, so a process can restart from the database.
 */
export class KnowledgeEngine {
  private readonly tenants = new Map<string, TenantIndex>();
  private readonly options: KnowledgeEngineOptions;

  constructor(options: KnowledgeEngineOptions = {}) {
    this.options = options;
  }

  /**
   * Chunks documents and indexes them for a tenant, replacing earlier versions of the same sourceIds.
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
    const tenant = this.tenant(tenantId);
    tenant.bm25.add(records);
    tenant.vectors.add(records);
    for (const record of records) {
      const { embedding: _embedding, ...rest } = record;
      tenant.records.set(record.chunkId, rest);
      tenant.dirtySources.add(record.sourceId);
      if (!tenant.titleTerms.has(record.sourceId)) {
        tenant.titleTerms.set(record.sourceId, [...new Set(analyze(record.title))]);
      }
    }
  }

  /** Removes a document from a tenant's indexes. */
  removeSource(tenantId: string, sourceId: string): void {
    const tenant = this.tenants.get(tenantId);
    if (!tenant) return;
    tenant.bm25.removeSource(sourceId);
    tenant.vectors.removeSource(sourceId);
    for (const [chunkId, record] of tenant.records)
      if (record.sourceId === sourceId) tenant.records.delete(chunkId);
    tenant.documents.removeSource(sourceId);
    tenant.dirtySources.delete(sourceId);
    tenant.titleTerms.delete(sourceId);
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
    const language = this.questionLanguage(tenant, question, locale);
    const empty = (): AskResult => ({
      passages: [],
      sources: [],
      confidence: 0,
      notCovered: true,
      answer: buildExtractiveAnswer([], { locale }),
      mode: 'extractive',
      language,
    });
    if (!tenant || tenant.records.size === 0) return empty();

    const pool = o.candidatePool ?? 60;
    const scope = { k: pool, courseId: options.courseId ?? null };
    const terms = tenant.bm25.queryTerms(question, language);
    const lists: RankedList[] = [{ name: 'lexical', hits: tenant.bm25.search(terms, scope) }];
    if (options.queryEmbedding && tenant.vectors.size > 0) {
      lists.push({ name: 'vector', hits: tenant.vectors.search(options.queryEmbedding, scope) });
    }
    const fused = fuseRankings(lists, o.fusion);
    const ranked = this.withDocumentEvidence(
      tenant,
      terms,
      scope,
      rankSources(fused, (id) => tenant.records.get(id)?.sourceId, o.sources),
    );
    const top = ranked[0];
    if (!top) return empty();

    const evidence = top.passages.slice(0, o.evidencePassages ?? 2);
    const matched = new Set<string>();
    for (const p of evidence) for (const t of tenant.bm25.matchedTerms(p.chunkId, terms)) matched.add(t);
    const vectorScores = fused.map((p) => p.scores.vector).filter((s): s is number => s !== undefined);
    const confidence = retrievalConfidence(
      {
        queryTerms: tenant.bm25.termStats(terms),
        matchedTerms: matched,
        topLexicalScore: lists[0]?.hits[0]?.score ?? 0,
        k1: o.bm25?.k1 ?? 1.2,
        topSourceScore: top.score,
        secondSourceScore: ranked[1]?.score ?? 0,
        topVectorScore: vectorScores.length > 0 ? Math.max(...vectorScores) : undefined,
      },
      o.confidence,
    );
    const notCovered =
      confidence < (options.notCoveredThreshold ?? o.notCoveredThreshold ?? DEFAULT_NOT_COVERED_THRESHOLD);

    const toPassage = (
      chunkId: string,
      score: number,
      scores: Record<string, number>,
    ): PassageResult | null => {
      const r = tenant.records.get(chunkId);
      if (!r) return null;
      return {
        chunkId,
        sourceId: r.sourceId,
        courseId: r.courseId,
        title: r.title,
        heading: r.heading,
        path: r.path,
        text: r.text,
        ordinal: r.ordinal,
        score,
        lexicalScore: scores.lexical,
        vectorScore: scores.vector,
      };
    };
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
    const answer = notCovered
      ? buildExtractiveAnswer([], { locale })
      : buildExtractiveAnswer(answerPassages, { locale });
    return { passages, sources, confidence, notCovered, answer, mode: 'extractive', language };
  }

  /**
   * A question with no stop words ("download certificate") says nothing about its language; the UI
   * locale is a poor guess for it, so pick the language whose analysis the tenant's index knows best.
   */
  private questionLanguage(tenant: TenantIndex | undefined, question: string, locale: Language): Language {
    const detected = detectLanguage(question, locale);
    if (!tenant || detectLanguage(question, 'en') === detectLanguage(question, 'es')) return detected;
    const known = (lang: Language) =>
      tenant.bm25.termStats(tenant.bm25.queryTerms(question, lang)).filter((t) => t.df > 0).length;
    const other: Language = detected === 'en' ? 'es' : 'en';
    return known(other) > known(detected) ? other : detected;
  }

  /** Re-ranks sources by (passage score / best) + weight · (document score / best document score). */
  private withDocumentEvidence(
    tenant: TenantIndex,
    terms: string[],
    scope: { k: number; courseId: string | null },
    ranked: RankedSource[],
  ): RankedSource[] {
    const weight = this.options.documentLevel?.weight ?? 0.5;
    const titleWeight = this.options.titleWeight ?? 1;
    const best = ranked[0]?.score ?? 0;
    if (best <= 0) return ranked;
    const docScore = new Map<string, number>();
    if (weight > 0) {
      this.refreshDocuments(tenant);
      const hits = tenant.documents.search(terms, { ...scope, k: Math.max(scope.k, ranked.length) });
      const bestDoc = hits[0]?.score ?? 0;
      for (const h of hits) docScore.set(h.chunkId, bestDoc > 0 ? h.score / bestDoc : 0);
    }
    const idf = new Map<string, number>();
    const idfOf = (term: string) => {
      let v = idf.get(term);
      if (v === undefined) {
        v = tenant.bm25.termStats([term])[0]?.idf ?? 0;
        idf.set(term, v);
      }
      return v;
    };
    const queryNorm = Math.sqrt(terms.reduce((sum, t) => sum + idfOf(t) ** 2, 0));
    const querySet = new Set(terms);
    const titleSimilarity = (sourceId: string) => {
      const title = tenant.titleTerms.get(sourceId) ?? [];
      let dot = 0;
      let norm = 0;
      for (const t of title) {
        const w = idfOf(t) ** 2;
        norm += w;
        if (querySet.has(t)) dot += w;
      }
      return norm > 0 && queryNorm > 0 ? dot / (Math.sqrt(norm) * queryNorm) : 0;
    };
    return ranked
      .map((s) => ({
        ...s,
        score:
          s.score / best +
          weight * (docScore.get(s.sourceId) ?? 0) +
          (titleWeight > 0 ? titleWeight * titleSimilarity(s.sourceId) : 0),
      }))
      .sort((a, b) => b.score - a.score || a.sourceId.localeCompare(b.sourceId));
  }

  private refreshDocuments(tenant: TenantIndex): void {
    if (tenant.dirtySources.size === 0) return;
    const includeBody = this.options.documentLevel?.includeBody ?? false;
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

  private tenant(tenantId: string): TenantIndex {
    let tenant = this.tenants.get(tenantId);
    if (!tenant) {
      tenant = {
        bm25: new Bm25Index(this.options.bm25),
        vectors: new VectorIndex(this.options.vector),
        records: new Map(),
        documents: new Bm25Index(this.options.documentLevel?.bm25),
        dirtySources: new Set(),
        titleTerms: new Map(),
      };
      this.tenants.set(tenantId, tenant);
    }
    return tenant;
  }
}
