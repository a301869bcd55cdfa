/** Languages an answer can be framed in: the learner's, whatever the UI says. */
export const ANSWER_LOCALES = ['en', 'es', 'pt', 'fr'] as const;
export type AnswerLocale = (typeof ANSWER_LOCALES)[number];

/** Locales the text analysis has stop words and a stemmer for (see text-analysis.service.ts). */
export type AnalysisLocale = 'en' | 'es';

/** Framing strings of an extractive answer. `{title}` and `{language}` are placeholders. */
export interface AnswerStrings {
  /** The source line under a short answer: the article title and its section. */
  from: string;
  notCovered: string;
  /** The reply to a message that tries to change the assistant's role or see how it is set up. */
  refused: string;
  /** Said before a passage quoted in another language than the learner's. */
  guideSays: string;
  /** The disclosure that shows the rest of the passage's section. */
  wholeSection: string;
  /** Language names as this locale writes them after "in" ("en inglés"), for `guideSays`. */
  languages: Record<AnswerLocale, string>;
}

const CATALOG: Record<AnswerLocale, AnswerStrings> = {
  en: {
    from: 'From: {title}',
    notCovered:
      "I couldn't find this in the documentation available to me, so I'd rather not guess. Would you like me to pass your question to a person who can help?",
    refused:
      "I can't help with that: I only answer questions from your institution's help documentation, and I can't change my role or share how I'm set up. Ask me about your courses, or I can pass your question to a person.",
    guideSays: 'Here is what the guide says (in {language}):',
    wholeSection: 'Show the whole section',
    languages: { en: 'English', es: 'Spanish', pt: 'Portuguese', fr: 'French' },
  },
  es: {
    from: 'De: {title}',
    notCovered:
      'No encontré esto en la documentación que tengo disponible y prefiero no adivinar. ¿Quieres que pase tu pregunta a una persona que pueda ayudarte?',
    refused:
      'No puedo ayudarte con eso: solo respondo preguntas con la documentación de ayuda de tu institución, y no puedo cambiar mi función ni contar cómo estoy configurado. Pregúntame sobre tus cursos o, si quieres, paso tu pregunta a una persona.',
    guideSays: 'Esto dice la guía (en {language}):',
    wholeSection: 'Ver la sección completa',
    languages: { en: 'inglés', es: 'español', pt: 'portugués', fr: 'francés' },
  },
  pt: {
    from: 'Fonte: {title}',
    notCovered:
      'Não encontrei isso na documentação que tenho disponível e prefiro não adivinhar. Quer que eu passe a sua pergunta para uma pessoa que possa ajudar?',
    refused:
      'Não posso ajudar com isso: só respondo a perguntas com a documentação de ajuda da sua instituição e não posso mudar a minha função nem contar como estou configurado. Pergunte-me sobre os seus cursos ou, se quiser, passo a sua pergunta para uma pessoa.',
    guideSays: 'Isto é o que diz o guia (em {language}):',
    wholeSection: 'Ver a seção completa',
    languages: { en: 'inglês', es: 'espanhol', pt: 'português', fr: 'francês' },
  },
  // French puts a (non-breaking) space before a colon or question mark.
  fr: {
    from: 'Source\u00a0: {title}',
    notCovered:
      "Je n'ai pas trouvé cela dans la documentation dont je dispose et je préfère ne pas deviner. Voulez-vous que je transmette votre question à une personne qui pourra vous aider\u00a0?",
    refused:
      "Je ne peux pas vous aider pour cela\u00a0: je réponds uniquement à partir de la documentation d'aide de votre établissement, et je ne peux ni changer de rôle ni dire comment je suis configuré. Posez-moi une question sur vos cours, ou je peux transmettre votre question à une personne.",
    guideSays: 'Voici ce que dit le guide (en {language})\u00a0:',
    wholeSection: 'Afficher toute la section',
    languages: { en: 'anglais', es: 'espagnol', pt: 'portugais', fr: 'français' },
  },
};

const baseOf = (locale?: string | null) => (locale ?? '').toLowerCase().split(/[-_]/)[0] ?? '';

/**
 * Maps any locale tag ("es-MX", "en_GB", "ES") to a locale the text analysis knows; unknown ones fall
 * back to English.
 */
export function resolveLocale(locale?: string | null): AnalysisLocale {
  return baseOf(locale) === 'es' ? 'es' : 'en';
}

/** Maps any locale tag ("pt-BR", "fr_CA") to a catalog locale; unknown ones fall back to English. */
export function resolveAnswerLocale(locale?: string | null): AnswerLocale {
  const base = baseOf(locale);
  return base === 'es' || base === 'pt' || base === 'fr' ? base : 'en';
}

/** The framing strings for a locale. */
export function answerStrings(locale?: string | null): AnswerStrings {
  return CATALOG[resolveAnswerLocale(locale)];
}

/** Replaces `{name}` placeholders. */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (match, key: string) => values[key] ?? match);
}

// Function words, accents folded (learners often type without them). A word in several lists counts
// for each a fraction; the lists only need to tell these four languages apart, not to be complete.
const FUNCTION_WORDS: Record<AnswerLocale, string> = {
  en: 'the a an is are was were be been how what where when why which who whom do does did can could would should will my i im me you your it its this that these those and or of to in on for with from not have has had get got there they them we our us at by if am just any some about into after before',
  es: 'el la los las del al por para con un una unos unas es esta estan estoy como que donde cuando porque pero mi mis tu tus su sus yo lo le les me se ya hay puedo puede pueden tengo tiene quiero sale salen no muy tambien este ese esa eso sin hasta desde y o de en si cual cuales hace ni nada algo',
  pt: 'o os a as do da dos das nao um uma e em no na nos nas ao aos pelo pela com meu minha meus minhas voce eu esta como onde quando tambem isso esse essa ele ela mas seu sua tenho quero posso consigo ja ainda so sao faco faz fazer de que para por se',
  fr: 'le la les des du un une est et je j mon ma mes pas ne n pour avec dans sur que qui comment ou vous il elle au aux ce cette c ai puis peux faire mais nous votre vos sont suis quand pourquoi leur tous toutes besoin quel quelle de en si',
};
const WORD_LANGUAGES = new Map<string, AnswerLocale[]>();
for (const [language, words] of Object.entries(FUNCTION_WORDS) as [AnswerLocale, string][])
  for (const word of words.split(' '))
    WORD_LANGUAGES.set(word, [...(WORD_LANGUAGES.get(word) ?? []), language]);

// Letters and spellings only one or two of the languages use.
const SPELLING_CUES: [RegExp, AnswerLocale[]][] = [
  [/[ñ¿¡]/g, ['es']],
  [/[ãõ]|ção|ções/g, ['pt']],
  [/[èùûîïëœ]/g, ['fr']],
  [/ç/g, ['pt', 'fr']],
];

/**
 * Guesses which of English, Spanish, Portuguese and French a text is written in, from function words
 * and spelling; null when the text gives no clear sign (a bare "download certificate" is English and
 * Spanish alike), so the caller falls back on the UI locale.
 */
export function detectAnswerLanguage(text: string): AnswerLocale | null {
  const score: Record<AnswerLocale, number> = { en: 0, es: 0, pt: 0, fr: 0 };
  const lower = text.toLowerCase();
  for (const [cue, languages] of SPELLING_CUES) {
    const hits = lower.match(cue)?.length ?? 0;
    for (const language of languages) score[language] += (2 * hits) / languages.length;
  }
  const folded = lower.normalize('NFD').replace(/\p{M}+/gu, '');
  for (const word of folded.match(/\p{L}+/gu) ?? []) {
    const languages = WORD_LANGUAGES.get(word);
    if (languages) for (const language of languages) score[language] += 1 / languages.length;
  }
  const ranked = (Object.entries(score) as [AnswerLocale, number][]).sort((a, b) => b[1] - a[1]);
  const [first, second] = ranked;
  if (!first || first[1] < 1 || (second && first[1] - second[1] < 0.5)) return null;
  return first[0];
}
