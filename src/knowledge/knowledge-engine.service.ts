import { resolveLocale } from './answer-strings.catalog.js';
import { type Audience, inferAudience } from './audience.js';
import { Bm25Index, type Bm25Options } from './bm25.index.js';
import { type ChunkingOptions, documentToRecords } from './chunking.service.js';
import {
  type ConfidenceFeatures,
  type ConfidenceOptions,
  confidenceFeatures,
  NO_EVIDENCE,
  retrievalConfidence,
} from './confidence.service.js';
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
import { lmsVocabulary, type VocabularyGroup } from './lms-vocabulary.data.js';
import { QueryExpander, type WeightedTerm } from './query-expansion.service.js';
import { analyze, detectLanguage, type Language, sharesDerivationalStem } from './text-analysis.service.js';
import { TypoCorrector } from './typo-correction.js';
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
  /**
   * Synonym expansion from an LMS support vocabulary (see lms-vocabulary.data.ts): a question's words
   * also search for their group's other words at `weight` (default 0.5) of an own word. Expansion
   * terms rank; they never count as covering the question in the confidence score. Terms in more
   * than `maxDocumentFraction` of the chunks (default 0.2) are too common to help and are skipped.
   * `groups` replaces the built-in vocabulary (tenants add theirs with `setVocabulary`); `weight` 0
   * disables expansion.
   */
  vocabulary?: { weight?: number; groups?: readonly VocabularyGroup[]; maxDocumentFraction?: number };
  /**
   * Added to the ranking score of an article written for the asker's audience (a learner asking, a
   * learners' article), in units of the best article's passage evidence. Default 0.2; 0 disables.
   */
  audienceWeight?: number;
  /**
   * Weight of a derivational match ("create" in the question, "creation" in a title or heading)
   * relative to an exact one, in the title and document-level evidence only. Default 0.75; 0 disables.
   */
  derivationalWeight?: number;
}

/** Per-question options. */
export interface AskOptions {
  /** The launch's course: its documents plus tenant-wide ones are searched. */
  courseId?: string | null;
  /** UI locale for the answer's framing strings ('en', 'es', 'es-MX'…). */
  locale?: string;
  /** Embedding of the question, from the same model as the chunks' embeddings; omit for lexical only. */
  queryEmbedding?: ArrayLike<number>;
  /** The model that embedding came from (chooses its confidence calibration). */
  embeddingModel?: string;
  /** Who is asking: articles written for that audience are preferred (see {@link KnowledgeEngineOptions.audienceWeight}). */
  role?: Audience;
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
  /** What the confidence was computed from (for calibration and the eval). */
  features: ConfidenceFeatures;
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
  /** Who each source is written for, when it says (see audience.ts). */
  audiences: Map<string, Audience | null>;
  /** The tenant's own vocabulary (built-in plus its groups), when it has one. */
  expander?: QueryExpander;
  corrector: TypoCorrector;
}

/** A source ranked with whole-document evidence: its heading/title BM25 share and its title similarity. */
type EvidencedSource = RankedSource & { document?: number; title?: number };

/** The best cosine among a ranked source's passages, when vectors were searched. */
function bestVectorOf(source: RankedSource | undefined): number | undefined {
  const scores = (source?.passages ?? [])
    .map((p) => p.scores.vector)
    .filter((v): v is number => v !== undefined);
  return scores.length > 0 ? Math.max(...scores) : undefined;
}

/**
 * Default `notCoveredThreshold`. The confidence is a calibrated probability that answering helps (see
 * confidence.service.ts), so 0.5 is where answering and handing off cost the same when answering an
 * out-of-scope question is as bad as declining an answerable one.
 */
export const DEFAULT_NOT_COVERED_THRESHOLD = 0.5;

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
   * Adds a tenant's own vocabulary groups (product names, local jargon) to the built-in one for its
   * questions; an empty list goes back to the built-in vocabulary.
   */
  setVocabulary(tenantId: string, extraGroups: readonly VocabularyGroup[]): void {
    const base = this.options.vocabulary?.groups ?? lmsVocabulary();
    this.tenant(tenantId).expander =
      extraGroups.length > 0 ? new QueryExpander([...base, ...extraGroups]) : undefined;
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
      if (record.ordinal === 0) tenant.audiences.set(record.sourceId, inferAudience(record));
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
    tenant.audiences.delete(sourceId);
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
      features: NO_EVIDENCE,
    });
    if (!tenant || tenant.records.size === 0) return empty();

    const pool = o.candidatePool ?? 60;
    const scope = { k: pool, courseId: options.courseId ?? null };
    const { terms, weighted } = this.correctTypos(tenant, this.expandQuery(tenant, question, language));
    const lists: RankedList[] = [{ name: 'lexical', hits: tenant.bm25.search(weighted, scope) }];
    if (options.queryEmbedding && tenant.vectors.size > 0) {
      lists.push({ name: 'vector', hits: tenant.vectors.search(options.queryEmbedding, scope) });
    }
    const fused = fuseRankings(lists, o.fusion);
    const ranked = this.withDocumentEvidence(
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
    // The question picks the sentences or steps shown and, with the UI locale, the framing language.
    const framing = { locale: options.locale ?? locale, question };
    const answer = buildExtractiveAnswer(notCovered ? [] : answerPassages, framing);
    return { passages, sources, confidence, notCovered, answer, mode: 'extractive', language, features };
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

  /**
   * The question's own terms, and the weighted terms to search with: own terms at 1, then the
   * vocabulary's expansions (skipping terms the index lacks or has nearly everywhere).
   */
  private expandQuery(
    tenant: TenantIndex,
    question: string,
    language: Language,
  ): { terms: WeightedTerm[]; weighted: WeightedTerm[] } {
    const vocabulary = this.options.vocabulary;
    const weight = vocabulary?.weight ?? 0.5;
    if (weight <= 0) {
      const own = tenant.bm25.queryTerms(question, language);
      return {
        terms: own.map((term) => ({ term, weight: 1 })),
        weighted: own.map((term) => ({ term, weight: 1 })),
      };
    }
    const { terms, expansions } = (tenant.expander ?? this.expander).expand(question, language, weight);
    const weighted: WeightedTerm[] = [...terms];
    // Document frequency says little in a handful of chunks: the cut applies from 50 chunks on.
    const n = tenant.bm25.size;
    const maxDf = n < 50 ? n : (vocabulary?.maxDocumentFraction ?? 0.2) * n;
    const stats = tenant.bm25.termStats(expansions.map((e) => e.term));
    expansions.forEach((e, i) => {
      const df = stats[i]?.df ?? 0;
      if (df > 0 && df <= maxDf) weighted.push(e);
    });
    return { terms, weighted };
  }

  /**
   * A question term the index has never seen but one edit from terms it has ("pasword") is read as the
   * most frequent of them; the others search at half weight. Only unseen terms are corrected: a real word
   * is never rewritten into another.
   */
  private correctTypos(
    tenant: TenantIndex,
    query: { terms: WeightedTerm[]; weighted: WeightedTerm[] },
  ): { terms: WeightedTerm[]; weighted: WeightedTerm[] } {
    const stats = tenant.bm25.termStats(query.terms.map((t) => t.term));
    const replaced = new Map<string, WeightedTerm>();
    const extra: WeightedTerm[] = [];
    query.terms.forEach((t, i) => {
      if ((stats[i]?.df ?? 0) > 0) return;
      const candidates = tenant.corrector.corrections(t.term);
      if (candidates.length === 0) return;
      const ranked = tenant.bm25
        .termStats(candidates)
        .filter((c) => c.df > 0)
        .sort((a, b) => b.df - a.df || a.term.localeCompare(b.term));
      const [best, ...rest] = ranked;
      if (!best) return;
      replaced.set(t.term, { ...t, term: best.term });
      for (const other of rest.slice(0, 2)) extra.push({ ...t, term: other.term, weight: t.weight * 0.5 });
    });
    if (replaced.size === 0) return query;
    const fix = (t: WeightedTerm) => replaced.get(t.term) ?? t;
    return { terms: query.terms.map(fix), weighted: [...query.weighted.map(fix), ...extra] };
  }

  /** Re-ranks sources by (passage score / best) + weight · (document score / best document score). */
  private withDocumentEvidence(
    tenant: TenantIndex,
    terms: readonly WeightedTerm[],
    weighted: readonly WeightedTerm[],
    scope: { k: number; courseId: string | null },
    ranked: RankedSource[],
    role?: Audience,
  ): EvidencedSource[] {
    const audienceWeight = role ? (this.options.audienceWeight ?? 0.2) : 0;
    const weight = this.options.documentLevel?.weight ?? 0.5;
    const titleWeight = this.options.titleWeight ?? 1;
    const derivational = this.options.derivationalWeight ?? 0.75;
    const best = ranked[0]?.score ?? 0;
    if (best <= 0) return ranked;
    const docScore = new Map<string, number>();
    if (weight > 0) {
      this.refreshDocuments(tenant);
      // Titles and headings also match derived forms of the question's words, below exact matches:
      // each own term and its derived forms are one group, so a heading scores the best of them.
      const own = new Set(terms.map((t) => t.term));
      const query: WeightedTerm[] = weighted.filter((t) => !own.has(t.term));
      terms.forEach((t, i) => {
        const group = t.group ?? -1 - i;
        query.push({ ...t, group });
        if (derivational > 0)
          for (const derived of tenant.documents.derivedTerms(t.term))
            query.push({ term: derived, weight: derivational * t.weight, group });
      });
      const hits = tenant.documents.search(query, { ...scope, k: Math.max(scope.k, ranked.length) });
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
    const queryNorm = Math.sqrt(terms.reduce((sum, t) => sum + (t.weight * idfOf(t.term)) ** 2, 0));
    // How much a title term counts as matching the question: own term 1, derived form or expansion less.
    const queryWeight = new Map<string, number>();
    for (const t of weighted) queryWeight.set(t.term, Math.max(queryWeight.get(t.term) ?? 0, t.weight));
    const matches = new Map<string, number>(); // memoised: sources share title words
    const matchOf = (titleTerm: string) => {
      let w = matches.get(titleTerm);
      if (w !== undefined) return w;
      w = queryWeight.get(titleTerm) ?? 0;
      for (const t of terms)
        if (derivational * t.weight > w && sharesDerivationalStem(t.term, titleTerm))
          w = derivational * t.weight;
      matches.set(titleTerm, w);
      return w;
    };
    const titleSimilarity = (sourceId: string) => {
      const title = tenant.titleTerms.get(sourceId) ?? [];
      let dot = 0;
      let norm = 0;
      for (const t of title) {
        const w = idfOf(t) ** 2;
        norm += w;
        dot += w * matchOf(t);
      }
      return norm > 0 && queryNorm > 0 ? Math.min(1, dot / (Math.sqrt(norm) * queryNorm)) : 0;
    };
    return ranked
      .map((s) => {
        const document = docScore.get(s.sourceId) ?? 0;
        const title = titleWeight > 0 ? titleSimilarity(s.sourceId) : 0;
        const forAsker = audienceWeight > 0 && tenant.audiences.get(s.sourceId) === role ? audienceWeight : 0;
        return {
          ...s,
          score: s.score / best + weight * document + titleWeight * title + forAsker,
          document,
          title,
        };
      })
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
      const bm25 = new Bm25Index(this.options.bm25);
      tenant = {
        bm25,
        corrector: new TypoCorrector(bm25),
        vectors: new VectorIndex(this.options.vector),
        records: new Map(),
        documents: new Bm25Index(this.options.documentLevel?.bm25),
        dirtySources: new Set(),
        titleTerms: new Map(),
        audiences: new Map(),
      };
      this.tenants.set(tenantId, tenant);
    }
    return tenant;
  }
}
