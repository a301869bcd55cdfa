import type { Priority } from '../conversations/conversation.types.js';
import type { NotifyTarget } from './handoff.types.js';
import { escapeRegExp, foldText, wordBounded } from './normalize.js';

/** A keyword rule as the matcher needs it (stored rules and tests both supply this shape). */
export interface KeywordRuleInput {
  id: string;
  name?: string;
  /** `phrase`: literal words; `regex`: a JavaScript regular expression (checked by {@link compileRulePattern}). */
  kind: 'phrase' | 'regex';
  pattern: string;
  category: string;
  priority: Priority;
  notify: NotifyTarget[];
  enabled: boolean;
}

/** A rule ready to run. */
export interface CompiledRule extends KeywordRuleInput {
  regex: RegExp;
}

/** A rule that matched a message, with the text that matched. */
export interface RuleMatch {
  rule: KeywordRuleInput;
  matched: string;
}

/** Longest pattern accepted: rules are phrases, not programs. */
export const MAX_PATTERN_LENGTH = 200;

/** Why a pattern was refused (shown to the admin who wrote it). */
export class UnsafePatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafePatternError';
  }
}

/**
 * Refuses regular expressions that can backtrack catastrophically or are otherwise risky to run on every
 * message: a quantified group that itself contains a quantifier or an alternation (`(a+)+`, `(a|aa)*`),
 * back-references, and anything longer than {@link MAX_PATTERN_LENGTH}. Conservative on purpose: keyword
 * rules need none of these.
 */
export function assertSafePattern(pattern: string): void {
  if (!pattern.trim()) throw new UnsafePatternError('The pattern is empty.');
  if (pattern.length > MAX_PATTERN_LENGTH)
    throw new UnsafePatternError(`The pattern is longer than ${MAX_PATTERN_LENGTH} characters.`);
  if (/\\[1-9]|\\k</.test(pattern)) throw new UnsafePatternError('Back-references are not allowed.');
  // Walk the pattern tracking groups: mark a group "risky" when it contains a quantifier or `|`, and
  // refuse when a risky group is itself quantified.
  const stack: { risky: boolean }[] = [];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      continue;
    }
    if (char === '[') {
      inClass = true;
      continue;
    }
    if (char === '(') {
      stack.push({ risky: false });
      continue;
    }
    const top = stack[stack.length - 1];
    if (char === '|' && top) top.risky = true;
    if ((char === '*' || char === '+' || char === '{' || char === '?') && top && pattern[i - 1] !== '(')
      top.risky = true;
    if (char === ')') {
      const group = stack.pop();
      if (!group) throw new UnsafePatternError('The pattern has an unmatched ")".');
      const next = pattern[i + 1];
      // `?` after a group only makes it optional, which cannot multiply backtracking.
      const quantified = next === '*' || next === '+' || next === '{';
      if (group.risky && quantified)
        throw new UnsafePatternError(
          'Repeating a group that already repeats or alternates can hang the matcher.',
        );
      // A group containing something risky makes its enclosing group risky too.
      const parent = stack[stack.length - 1];
      if (parent && (group.risky || quantified)) parent.risky = true;
    }
  }
  if (stack.length) throw new UnsafePatternError('The pattern has an unmatched "(".');
  if (inClass) throw new UnsafePatternError('The pattern has an unmatched "[".');
}

/**
 * Turns a phrase or a (checked) regular expression into a case-, accent- and apostrophe-insensitive,
 * word-bounded regular expression over folded text. Phrases match with any spacing and with or without
 * apostrophes ("can't access" matches "cant access" and "CAN’T  ACCESS").
 */
export function compileRulePattern(kind: 'phrase' | 'regex', pattern: string): RegExp {
  if (kind === 'phrase') {
    const folded = foldText(pattern);
    if (!folded) throw new UnsafePatternError('The phrase is empty.');
    if (folded.length > MAX_PATTERN_LENGTH)
      throw new UnsafePatternError(`The phrase is longer than ${MAX_PATTERN_LENGTH} characters.`);
    const body = folded
      .split(' ')
      .map((word) => escapeRegExp(word).replace(/'/g, "'?"))
      .join(String.raw`\s+`);
    return new RegExp(wordBounded(body), 'iu');
  }
  assertSafePattern(pattern);
  // Fold the pattern the way text is folded, so "está" in a pattern matches "esta" and "ESTÁ".
  const folded = pattern.normalize('NFD').replace(/\p{M}+/gu, '');
  try {
    return new RegExp(wordBounded(folded), 'iu');
  } catch (error) {
    throw new UnsafePatternError(`The regular expression is not valid: ${(error as Error).message}`);
  }
}

/** Compiles rules, skipping disabled ones and ones that no longer compile (they were checked on save). */
export function compileRules(rules: readonly KeywordRuleInput[]): CompiledRule[] {
  const compiled: CompiledRule[] = [];
  for (const rule of rules) {
    if (!rule.enabled) continue;
    try {
      compiled.push({ ...rule, regex: compileRulePattern(rule.kind, rule.pattern) });
    } catch {
      // A rule saved before a stricter check: ignore it rather than break every message.
    }
  }
  return compiled;
}

/** Longest message text rules run over (the chat limits messages to 4000 characters anyway). */
const MAX_MATCH_TEXT = 8000;

/** Every rule matching a message, in rule order. */
export function matchKeywordRules(text: string, rules: readonly CompiledRule[]): RuleMatch[] {
  const folded = foldText(text).slice(0, MAX_MATCH_TEXT);
  const matches: RuleMatch[] = [];
  for (const rule of rules) {
    const match = rule.regex.exec(folded);
    if (match) {
      const { regex: _regex, ...plain } = rule;
      matches.push({ rule: plain, matched: match[0] });
    }
  }
  return matches;
}
