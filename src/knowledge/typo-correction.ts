/**
 * Typo tolerance for query terms the index has never seen: "certifcate", "asignment", "pasword". A term is
 * corrected to index terms one edit away (a letter dropped, added, changed, or two swapped), found through
 * single-deletion keys (the SymSpell idea): two words one edit apart share a key, so a lookup is a handful of
 * map reads instead of a scan of the vocabulary.
 */

/** Shorter terms are too ambiguous to correct ("cour" could be many words). */
export const MIN_CORRECTABLE_LENGTH = 5;

/**
 * What the corrector reads: the index's terms (it only adds terms, and lists them in the order it learned
 * them), and a counter that changes when new terms arrive.
 */
export interface TermVocabulary {
  readonly vocabularyVersion: number;
  vocabulary(): Iterable<string>;
}

export class TypoCorrector {
  /**
   * Deletion key (hashed) → ids of the index terms with that key: one id as a number, several as an
   * array. Hashes instead of the key strings, and ids instead of the terms, keep the map small (a large
   * tenant has 100k terms and ten keys a term); a collision only costs one `withinOneEdit` check.
   */
  private readonly byKey = new Map<number, number | number[]>();
  private terms: string[] = [];
  private builtVersion = -1;
  /** How many of the vocabulary's terms (in its order) are in the map. */
  private read = 0;
  private known = new Set<string>();

  constructor(private readonly source: TermVocabulary) {}

  /** Index terms one edit from `term` (none when the index knows the term or it is short). */
  corrections(term: string): string[] {
    if (term.length < MIN_CORRECTABLE_LENGTH) return [];
    this.refresh();
    if (this.known.has(term)) return [];
    const found = new Set<string>();
    for (const key of keysOf(term)) {
      const entry = this.byKey.get(key);
      if (entry === undefined) continue;
      for (const id of typeof entry === 'number' ? [entry] : entry) {
        const candidate = this.terms[id];
        if (candidate !== undefined && candidate !== term && withinOneEdit(term, candidate))
          found.add(candidate);
      }
    }
    return [...found];
  }

  /**
   * Brings the map up to the vocabulary. The index only ever adds terms, in the order it learned them, so
   * only the terms after the ones already read are added: a question after an upload does not pay for
   * rebuilding the whole map (about 60 ms for 100k terms). A vocabulary that shrank is read afresh.
   */
  private refresh(): void {
    if (this.builtVersion === this.source.vocabularyVersion) return;
    let index = 0;
    for (const term of this.source.vocabulary()) {
      if (index++ < this.read) continue;
      this.known.add(term);
      if (term.length < MIN_CORRECTABLE_LENGTH - 1) continue;
      const id = this.terms.push(term) - 1;
      for (const key of keysOf(term)) this.add(key, id);
    }
    if (index < this.read) {
      this.byKey.clear();
      this.terms = [];
      this.known = new Set();
      this.read = 0;
      this.refresh();
      return;
    }
    this.read = index;
    this.builtVersion = this.source.vocabularyVersion;
  }

  private add(key: number, id: number): void {
    const entry = this.byKey.get(key);
    if (entry === undefined) this.byKey.set(key, id);
    else if (typeof entry === 'number') {
      if (entry !== id) this.byKey.set(key, [entry, id]);
    } else if (entry[entry.length - 1] !== id) entry.push(id);
  }
}

/**
 * The SymSpell keys of a word, hashed: the word itself and the word with each one letter removed. Two
 * words one edit apart share a key (a letter changed or swapped: a deletion of each; added or dropped:
 * the shorter word and a deletion of the longer).
 */
function keysOf(word: string): number[] {
  const keys = [hashSkipping(word, -1)];
  for (let i = 0; i < word.length; i++) keys.push(hashSkipping(word, i));
  return keys;
}

/** FNV-1a of the word without the letter at `skip`, in 30 bits (small integers, stored unboxed by V8). */
function hashSkipping(word: string, skip: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) {
    if (i === skip) continue;
    h ^= word.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h & 0x3fffffff;
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
