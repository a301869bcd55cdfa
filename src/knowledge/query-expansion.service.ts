import { LMS_VOCABULARY, type VocabularyGroup } from './lms-vocabulary.data.js';
import { analyze, analyzeTokens, type Language } from './text-analysis.service.js';

/** A search term with its weight; terms sharing a `group` count once per passage (the best of them). */
export interface WeightedTerm {
  term: string;
  weight: number;
  group?: number;
}

/** What {@link QueryExpander.expand} returns. */
export interface ExpandedQuery {
  /** The question's own analysed terms (unique, in order), weight 1, grouped with their synonyms. */
  terms: WeightedTerm[];
  /**
   * Terms added from the vocabulary, never one of `terms`, tagged with their group. A word of an
   * n-word phrase gets 1/n of the expansion weight: "closed captions" is evidence for "captions",
   * "closed" alone is not.
   */
  expansions: WeightedTerm[];
  /** Index of each vocabulary group the question matched. */
  groups: number[];
}

interface Pattern {
  /** Stemmed tokens, stop words included only when `withStopWords`. */
  tokens: string[];
  withStopWords: boolean;
  group: number;
}

const LANGUAGES: readonly Language[] = ['en', 'es'];

/**
 * Matches a question against vocabulary groups and adds the other words of each matched group.
 * Compiled once (every phrase analysed with its language's stemmer); matching a question scans its
 * tokens against patterns keyed by first token, so it costs microseconds.
 *
 * Phrases without stop words ("drop course") match the question's words with stop words removed
 * ("drop the course"); phrases with stop words ("sign up", "how am I doing") match word for word.
 */
export class QueryExpander {
  private readonly patterns: Record<Language, Map<string, Pattern[]>> = { en: new Map(), es: new Map() };
  /**
   * Per language, per group: analysed terms of its two-way words with their share of the weight.
   * Expansion stays within the question's language: stems of the other language can collide with
   * real words (Spanish "equipo" stems to English "equip"), and documents are indexed per language.
   */
  private readonly targets: Record<Language, Map<string, number>[]> = { en: [], es: [] };
  private readonly groupCount: number;

  constructor(groups: readonly VocabularyGroup[] = LMS_VOCABULARY) {
    groups.forEach((group, index) => {
      for (const language of LANGUAGES) {
        const targets = new Map<string, number>();
        for (const phrase of group[language] ?? []) {
          const words = [...new Set(analyze(phrase, { language }))];
          for (const term of words) targets.set(term, Math.max(targets.get(term) ?? 0, 1 / words.length));
          this.addPattern(language, phrase, index);
        }
        for (const phrase of group.from?.[language] ?? []) this.addPattern(language, phrase, index);
        this.targets[language].push(targets);
      }
    });
    this.groupCount = groups.length;
  }

  /** Number of groups. */
  get size(): number {
    return this.groupCount;
  }

  /**
   * The question's weighted terms plus the other words of every group it uses a word or phrase of.
   * A question word that matched a group shares the group's id with the group's expansions, so a
   * passage scores the best of them: a synonym stands in for a missing word, it does not add to a
   * passage that already has the question's own word. Groups matched by the same question word merge.
   */
  expand(question: string, language: Language, weight = 0.5): ExpandedQuery {
    const full = analyzeTokens(question, language);
    const patterns = this.patterns[language];
    const fullStems = full.map((t) => t.stem);
    // Content-only view of the question, with each content token's position in the full stream.
    const contentAt: number[] = [];
    full.forEach((t, i) => {
      if (!t.stop) contentAt.push(i);
    });
    const contentStems = contentAt.map((i) => fullStems[i] as string);

    // Matches as spans over the full stream.
    const matches: { start: number; end: number; pattern: Pattern }[] = [];
    for (let i = 0; i < contentStems.length; i++) {
      for (const p of patterns.get(contentStems[i] as string) ?? []) {
        if (!p.withStopWords && startsAt(contentStems, i, p.tokens))
          matches.push({
            start: contentAt[i] as number,
            end: (contentAt[i + p.tokens.length - 1] as number) + 1,
            pattern: p,
          });
      }
    }
    for (let i = 0; i < fullStems.length; i++) {
      for (const p of patterns.get(fullStems[i] as string) ?? []) {
        if (p.withStopWords && startsAt(fullStems, i, p.tokens))
          matches.push({ start: i, end: i + p.tokens.length, pattern: p });
      }
    }

    // Longest match wins: "sign up for" (enrol in a course) hides "sign up" (create an account).
    const parent = new Map<number, number>();
    const find = (g: number): number => {
      let root = g;
      while ((parent.get(root) ?? root) !== root) root = parent.get(root) as number;
      parent.set(g, root);
      return root;
    };
    const groupAt = new Map<number, number>();
    const matched = new Set<number>();
    for (const m of matches) {
      const hidden = matches.some(
        (o) => o.start <= m.start && o.end >= m.end && o.end - o.start > m.end - m.start,
      );
      if (hidden) continue;
      const group = m.pattern.group;
      matched.add(group);
      if (!parent.has(group)) parent.set(group, group);
      for (let i = m.start; i < m.end; i++) {
        if (full[i]?.stop) continue;
        const other = groupAt.get(i);
        if (other === undefined) groupAt.set(i, group);
        else parent.set(find(group), find(other));
      }
    }

    const termGroup = new Map<string, number>();
    full.forEach((t, i) => {
      const g = groupAt.get(i);
      if (!t.stop && g !== undefined && !termGroup.has(t.stem)) termGroup.set(t.stem, g);
    });
    const terms: WeightedTerm[] = [...new Set(contentStems)].map((term) => {
      const g = termGroup.get(term);
      return g === undefined ? { term, weight: 1 } : { term, weight: 1, group: find(g) };
    });

    const own = new Set(contentStems);
    const seen = new Set<string>();
    const expansions: WeightedTerm[] = [];
    const groups = [...matched].sort((a, b) => a - b);
    for (const group of groups) {
      for (const [term, share] of this.targets[language][group] ?? []) {
        if (own.has(term) || seen.has(term)) continue;
        seen.add(term);
        expansions.push({ term, weight: weight * share, group: find(group) });
      }
    }
    return { terms, expansions, groups };
  }

  private addPattern(language: Language, phrase: string, group: number): void {
    const tokens = analyzeTokens(phrase, language);
    const withStopWords = tokens.some((t) => t.stop);
    const stems = (withStopWords ? tokens : tokens.filter((t) => !t.stop)).map((t) => t.stem);
    const first = stems[0];
    if (first === undefined || tokens.every((t) => t.stop)) return;
    const list = this.patterns[language].get(first) ?? [];
    list.push({ tokens: stems, withStopWords, group });
    this.patterns[language].set(first, list);
  }
}

function startsAt(tokens: readonly string[], at: number, pattern: readonly string[]): boolean {
  if (at + pattern.length > tokens.length) return false;
  for (let j = 0; j < pattern.length; j++) if (tokens[at + j] !== pattern[j]) return false;
  return true;
}
