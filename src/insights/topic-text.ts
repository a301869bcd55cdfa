import { createHash } from 'node:crypto';
import {
  detectLanguage,
  foldText,
  isStopWord,
  type Language,
  stem,
  tokenize,
} from '../knowledge/text-analysis.service.js';

/** One index term of a question: its stem and the word as the learner wrote it (lowercased). */
export interface QuestionTerm {
  stem: string;
  word: string;
}

/** A question as topics read it: its language and terms, in order (repeats kept for term frequency). */
export interface AnalyzedQuestion {
  language: Language;
  terms: QuestionTerm[];
}

const DIGITS = /^\p{N}+$/u;

/**
 * The question's terms through the product's own analyser (the knowledge search's tokeniser, stop words
 * and Snowball stemmer, en or es), keeping each stem's surface word so labels read as words, not stems.
 */
export function analyzeQuestion(text: string): AnalyzedQuestion {
  const language = detectLanguage(text);
  const terms: QuestionTerm[] = [];
  for (const token of tokenize(text)) {
    const folded = foldText(token);
    if (isStopWord(folded, language)) continue;
    if (folded.length < 2 && !DIGITS.test(folded)) continue;
    terms.push({ stem: stem(token, language), word: token });
  }
  return { language, terms };
}

/**
 * The identity of a question within its thread: the same words (case, accents and spacing aside) are the
 * same question, whichever event (handoff, low confidence, thumbs-down) brought it.
 */
export function questionKey(text: string): string {
  const normalised = foldText(text).replace(/\s+/g, ' ').trim();
  return createHash('sha256').update(normalised).digest('hex').slice(0, 32);
}

/** A label compared as the same label ("Exam proctoring" = "exam  proctoring"). */
export function labelKey(label: string): string {
  return foldText(label)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * A label's content words as stems, sorted: "Password resets" and "reset password" name one topic. Used
 * to file a model's near-repeat of an existing label under it instead of making a twin topic.
 */
export function labelStems(label: string): string {
  return [...new Set(analyzeQuestion(label).terms.map((t) => t.stem))].sort().join(' ');
}
