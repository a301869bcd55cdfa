import type { KnowledgeEngineOptions } from './knowledge-engine.options.js';
import type { QueryExpander, WeightedTerm } from './query-expansion.service.js';
import type { TenantIndex } from './tenant-index.js';
import { detectLanguage, type Language } from './text-analysis.service.js';

/** A question's own terms (weight 1) and everything it searches with (own, expansions, corrections). */
export interface QuestionTerms {
  terms: WeightedTerm[];
  weighted: WeightedTerm[];
}

/**
 * A question with no stop words ("download certificate") says nothing about its language; the UI
 * locale is a poor guess for it, so pick the language whose analysis the tenant's index knows best.
 */
export function questionLanguage(
  tenant: TenantIndex | undefined,
  question: string,
  locale: Language,
): Language {
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
export function expandQuestion(
  tenant: TenantIndex,
  expander: QueryExpander,
  vocabulary: KnowledgeEngineOptions['vocabulary'],
  question: string,
  language: Language,
): QuestionTerms {
  const weight = vocabulary?.weight ?? 0.5;
  if (weight <= 0) {
    const own = tenant.bm25.queryTerms(question, language);
    return {
      terms: own.map((term) => ({ term, weight: 1 })),
      weighted: own.map((term) => ({ term, weight: 1 })),
    };
  }
  const { terms, expansions } = expander.expand(question, language, weight);
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
export function correctTypos(tenant: TenantIndex, query: QuestionTerms): QuestionTerms {
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
