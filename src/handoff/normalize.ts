/**
 * Folds text for matching: Unicode-normalised, accents removed ("está" → "esta", "ñ" → "n"),
 * lower-cased, typographic apostrophes and quotes made plain, whitespace collapsed. Both the message and
 * every phrase or pattern go through this, so matching is case- and accent-insensitive by construction.
 */
export function foldText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[\u2018\u2019\u201B\u2032`´]/g, "'")
    .replace(/[\u201C\u201D\u201E\u2033]/g, '"')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Characters that belong to a word, for word-bounded matching beyond ASCII `\b`. */
export const WORD_CHAR = String.raw`[\p{L}\p{N}_]`;

/** Wraps a pattern so it only matches whole words (lookarounds, since `\b` ignores non-ASCII letters). */
export const wordBounded = (pattern: string) =>
  // "someone's" is not "someone": a possessive or contraction continues the word.
  `(?<!${WORD_CHAR})(?:${pattern})(?!${WORD_CHAR}|'${WORD_CHAR})`;

/**
 * Escapes text for literal use in a regular expression, also under the `u` flag: there only syntax
 * characters may be escaped (`\-` outside a class is an error), so a hyphen is left as it is.
 */
export const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
