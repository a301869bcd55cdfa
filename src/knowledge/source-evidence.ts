import type { Audience } from './audience.js';
import type { RankedSource } from './fusion.service.js';
import type { KnowledgeEngineOptions } from './knowledge-engine.options.js';
import type { WeightedTerm } from './query-expansion.service.js';
import { refreshDocumentIndex, type TenantIndex } from './tenant-index.js';
import { sharesDerivationalStem } from './text-analysis.service.js';

/** A source ranked with whole-document evidence: its heading/title BM25 share and its title similarity. */
export type EvidencedSource = RankedSource & { document?: number; title?: number };

/** The best cosine among a ranked source's passages, when vectors were searched. */
export function bestVectorOf(source: RankedSource | undefined): number | undefined {
  const scores = (source?.passages ?? [])
    .map((p) => p.scores.vector)
    .filter((v): v is number => v !== undefined);
  return scores.length > 0 ? Math.max(...scores) : undefined;
}

/**
 * Re-ranks sources by (passage score / best) + weight · (document score / best document score), plus
 * title similarity and the asker's audience (see {@link KnowledgeEngineOptions}).
 */
export function withDocumentEvidence(
  options: KnowledgeEngineOptions,
  tenant: TenantIndex,
  terms: readonly WeightedTerm[],
  weighted: readonly WeightedTerm[],
  scope: { k: number; courseId: string | null },
  ranked: RankedSource[],
  role?: Audience,
): EvidencedSource[] {
  const audienceWeight = role ? (options.audienceWeight ?? 0.2) : 0;
  const weight = options.documentLevel?.weight ?? 0.5;
  const titleWeight = options.titleWeight ?? 1;
  const derivational = options.derivationalWeight ?? 0.75;
  const best = ranked[0]?.score ?? 0;
  if (best <= 0) return ranked;
  const docScore = new Map<string, number>();
  if (weight > 0) {
    refreshDocumentIndex(tenant, options.documentLevel?.includeBody ?? false);
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
