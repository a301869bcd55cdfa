import { tokenize } from './text-analysis.service.js';

/** Languages the evaluation reports separately; anything else counts as English (the corpus language). */
export type EvalLanguage = 'en' | 'es' | 'pt' | 'fr';

/**
 * Function words that mark a language in a chat message. Each list leaves out words another of the
 * four uses often ("do" and "as" are English too, "no" and "me" are in three of them), so a short or
 * sloppy question is decided by the words only its language has.
 */
const MARKERS: Record<EvalLanguage, ReadonlySet<string>> = {
  en: new Set(
    'the and is are was were i im my me it its to of how what where why when who which can could do does did dont doesnt cant with for this that these have has had you your get got not but just on at from after before there their they them would should will any all been if or so an our out about into'.split(
      ' ',
    ),
  ),
  es: new Set(
    'el la los las que y un una es mi mis por para con cómo qué dónde cuándo cuál puedo puede pero hay del al lo sin está están estoy tengo tiene ya también todos todas porque muy su sus yo ni ese esta este algo hace hacer'.split(
      ' ',
    ),
  ),
  pt: new Set(
    'o os um uma é não em para com eu meu minha seu sua nada já mais você posso faço nunca e da das dos no na nas nos ao aos isso esse essa mas também só quando onde'.split(
      ' ',
    ),
  ),
  fr: new Set(
    'le les des du je est et un une pour dans avec mon ma mes ne pas qui comment tous toutes vous peux ai sur au aux ce cette ces il elle nous mais où quand être avoir'.split(
      ' ',
    ),
  ),
};

/** Letters only one of the four writes (in these messages). */
const LETTERS: Record<EvalLanguage, RegExp> = {
  en: /(?!)/g,
  es: /[ñ¿¡]/g,
  pt: /[ãõ]/g,
  fr: /[èœùûëî]|\b(?:j|l|d|qu)'/g,
};

/**
 * Guesses the language of a question for the evaluation's per-language figures (the question files
 * carry no language). It counts marker words and letters per language and takes the largest count;
 * ties and messages with no marker count as English. A stand-in for a maintained detector: good
 * enough for whole sentences in these four languages, not for one-word queries.
 */
export function detectQuestionLanguage(text: string): EvalLanguage {
  const lower = text.toLowerCase();
  const tokens = tokenize(lower.replace(/['’]/g, ''));
  const score: Record<EvalLanguage, number> = { en: 0, es: 0, pt: 0, fr: 0 };
  for (const lang of Object.keys(score) as EvalLanguage[]) {
    for (const token of tokens) if (MARKERS[lang].has(token)) score[lang]++;
    score[lang] += 2 * (lower.replace(/’/g, "'").match(LETTERS[lang])?.length ?? 0);
  }
  let best: EvalLanguage = 'en';
  for (const lang of ['es', 'pt', 'fr'] as const) if (score[lang] > score[best]) best = lang;
  return best;
}
