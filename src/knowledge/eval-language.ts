import { detectAnswerLanguage } from './answer-strings.catalog.js';

/** Languages the evaluation reports separately; anything else counts as English (the corpus language). */
export type EvalLanguage = 'en' | 'es' | 'pt' | 'fr';

/**
 * The language of a question for the evaluation's per-language figures (the question files carry no
 * language): the same detection that frames answers in the learner's language, so the eval splits
 * questions the way the product treats them. Unclear messages count as English.
 */
export function detectQuestionLanguage(text: string): EvalLanguage {
  return detectAnswerLanguage(text) ?? 'en';
}
