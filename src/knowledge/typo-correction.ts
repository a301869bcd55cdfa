/**
 * Typo tolerance for query terms the index has never seen: "certifcate", "asignment", "pasword". A term is
 * corrected to index terms one edit away (a letter dropped, added, changed, or two swapped), found through
 * single-deletion keys (the SymSpell idea): two words one edit apart share a key, so a lookup is a handful of
 * map reads instead of a scan of the vocabulary.
 */

/** Shorter terms are too ambiguous to correct ("cour" could be many words). */
export const MIN_CORRECTABLE_LENGTH = 5;

/** What the corrector reads: the index's terms, and a counter that changes when new terms arrive. */
export interface TermVocabulary {
  readonly vocabularyVersion: number;
  vocabulary(): Iterable<string>;
}

export class TypoCorrector {
  private readonly byKey = new Map<string, string[]>();
  private builtVersion = -1;
  private known = new Set<string>();

  constructor(private readonly source: TermVocabulary) {}

  /** Index terms one edit from `term` (none when the index knows the term or it is short). */
  corrections(term: string): string[] {
    if (term.length < MIN_CORRECTABLE_LENGTH) return [];
    this.refresh();
    if (this.known.has(term)) return [];
    const found = new Set<string>();
    for (const key of [term, ...deletions(term)])
      for (const candidate of this.byKey.get(key) ?? [])
        if (candidate !== term && withinOneEdit(term, candidate)) found.add(candidate);
    return [...found];
  }

  private refresh(): void {
    if (this.builtVersion === this.source.vocabularyVersion) return;
    this.byKey.clear();
    this.known = new Set();
    for (const term of this.source.vocabulary()) {
      this.known.add(term);
      if (term.length < MIN_CORRECTABLE_LENGTH - 1) continue;
      for (const key of [term, ...deletions(term)]) {
        const list = this.byKey.get(key);
        if (list) list.push(term);
        else this.byKey.set(key, [term]);
      }
    }
    this.builtVersion = this.source.vocabularyVersion;
  }
}

/** The word with one letter removed, each way. */
function deletions(word: string): string[] {
  const out = new Set<string>();
  for (let i = 0; i < word.length; i++) out.add(word.slice(0, i) + word.slice(i + 1));
  return [...out];
}

/** Optimal string alignment distance ≤ 1: one insertion, deletion, substitution or adjacent swap. */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  if (a.length === b.length) {
    const diff: number[] = [];
    for (let i = 0; i < a.length && diff.length <= 2; i++) if (a[i] !== b[i]) diff.push(i);
    if (diff.length === 1) return true;
    const [i, j] = diff;
    return diff.length === 2 && j === (i ?? -2) + 1 && a[i ?? 0] === b[j] && a[j] === b[i ?? 0];
  }
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  let i = 0;
  while (i < short.length && short[i] === long[i]) i++;
  return short.slice(i) === long.slice(i + 1);
}
