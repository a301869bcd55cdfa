import { stemmer as englishStemmer } from '@orama/stemmers/english';
import { stemmer as spanishStemmer } from '@orama/stemmers/spanish';
import { ENGLISH_STOP_WORDS, SPANISH_STOP_WORDS } from './stop-words.data.js';

/** Languages the analyser has stop words and a stemmer for. */
export type Language = 'en' | 'es';

const NON_ASCII = /[^ -~\t\n\r]/;
const COMBINING_MARKS = /\p{M}+/gu;
const WORD = /[\p{L}\p{N}]+/gu;
const DIGITS = /^\p{N}+$/u;

/** Lowercases and strips accents, so "Contraseña" and "contrasena" compare equal. */
export function foldText(text: string): string {
  const lower = text.toLowerCase();
  // NFD is costly; most tokens are plain ASCII.
  return NON_ASCII.test(lower) ? lower.normalize('NFD').replace(COMBINING_MARKS, '') : lower;
}

const STOP: Record<Language, ReadonlySet<string>> = {
  en: new Set(ENGLISH_STOP_WORDS.map(foldText)),
  es: new Set(SPANISH_STOP_WORDS.map(foldText)),
};
// Words that only one list has decide the language; shared ones ("no", "he") say nothing.
const ONLY_EN = new Set([...STOP.en].filter((w) => !STOP.es.has(w)));
const ONLY_ES = new Set([...STOP.es].filter((w) => !STOP.en.has(w)));

/** Lowercased word/number tokens, accents kept (the Spanish stemmer needs them). */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/**
 * Guesses English or Spanish from stop word counts; documents and questions in this product are
 * one or the other, and a wrong guess only costs stemming quality. Ties go to `fallback`.
 */
export function detectLanguage(text: string, fallback: Language = 'en'): Language {
  let en = 0;
  let es = 0;
  for (const token of tokenize(text)) {
    const folded = foldText(token);
    if (ONLY_EN.has(folded)) en++;
    else if (ONLY_ES.has(folded)) es++;
  }
  if (en === es) return fallback;
  return es > en ? 'es' : 'en';
}

/** True when `word` (folded) is a stop word in `language`. */
export function isStopWord(word: string, language: Language): boolean {
  return STOP[language].has(foldText(word));
}

const STEMMERS: Record<Language, (word: string) => string> = { en: englishStemmer, es: spanishStemmer };
// Stemming dominates ingestion time; vocabularies are small, so memoise (bounded to stay safe).
const STEM_CACHE: Record<Language, Map<string, string>> = { en: new Map(), es: new Map() };
const STEM_CACHE_LIMIT = 200_000;

/** Snowball stem of a lowercased token, then accent-folded. */
export function stem(token: string, language: Language): string {
  const cache = STEM_CACHE[language];
  let out = cache.get(token);
  if (out === undefined) {
    out = foldText(STEMMERS[language](token));
    if (cache.size >= STEM_CACHE_LIMIT) cache.clear();
    cache.set(token, out);
  }
  return out;
}

/** Options for {@link analyze}. */
export interface AnalyzeOptions {
  /** Language of the text; detected when absent. */
  language?: Language;
  /** Keep stop words (for phrase-ish checks); default false. */
  keepStopWords?: boolean;
}

/**
 * The index terms of a text: tokenise, drop stop words and one-letter tokens (digits stay: "LTI 1.3"),
 * stem. Both documents and questions go through this, so they meet on the same terms.
 */
export function analyze(text: string, options: AnalyzeOptions = {}): string[] {
  const language = options.language ?? detectLanguage(text);
  const stop = STOP[language];
  const terms: string[] = [];
  for (const token of tokenize(text)) {
    const folded = foldText(token);
    if (!options.keepStopWords && stop.has(folded)) continue;
    if (folded.length < 2 && !DIGITS.test(folded)) continue;
    terms.push(stem(token, language));
  }
  return terms;
}

/** A token of {@link analyzeTokens}: its stem and whether it is a stop word. */
export interface AnalyzedToken {
  stem: string;
  stop: boolean;
}

/** Like {@link analyze} with stop words kept, but says which tokens are stop words (for phrase matching). */
export function analyzeTokens(text: string, language: Language): AnalyzedToken[] {
  const stop = STOP[language];
  const out: AnalyzedToken[] = [];
  for (const token of tokenize(text)) {
    const folded = foldText(token);
    if (folded.length < 2 && !DIGITS.test(folded)) continue;
    out.push({ stem: stem(token, language), stop: stop.has(folded) });
  }
  return out;
}

/** Shortest shared beginning for two stems to count as derived from one word. */
export const DERIVATIONAL_MIN_PREFIX = 5;

/**
 * True when two different stems look like derivations of one word: they share at least five leading
 * letters and differ only after the shorter one's last letter or two ("creat"/"creation",
 * "regist"/"registr", "submit"/"submiss", "permit"/"permiss"). Snowball removes inflections but keeps
 * derivational suffixes, so "create courses" and "course creation" would otherwise share only "cours".
 * Conservative on purpose: "progress"/"program" share four letters and do not match. Callers use it
 * only against titles and headings, and weight such a match below an exact one.
 */
export function sharesDerivationalStem(a: string, b: string): boolean {
  if (a === b) return false;
  const shorter = Math.min(a.length, b.length);
  if (shorter < DERIVATIONAL_MIN_PREFIX) return false;
  let common = 0;
  while (common < shorter && a.charCodeAt(common) === b.charCodeAt(common)) common++;
  return common >= DERIVATIONAL_MIN_PREFIX && common >= shorter - 1;
}
