/** Locales with framing strings. */
export type AnswerLocale = 'en' | 'es';

/** Framing strings of an extractive answer. `{title}` and `{titles}` are placeholders. */
export interface AnswerStrings {
  from: string;
  seeAlso: string;
  notCovered: string;
}

const CATALOG: Record<AnswerLocale, AnswerStrings> = {
  en: {
    from: 'From: {title}',
    seeAlso: 'See also: {titles}',
    notCovered:
      "I couldn't find this in the documentation available to me, so I'd rather not guess. Would you like me to pass your question to a person who can help?",
  },
  es: {
    from: 'De: {title}',
    seeAlso: 'Ver también: {titles}',
    notCovered:
      'No encontré esto en la documentación que tengo disponible y prefiero no adivinar. ¿Quieres que pase tu pregunta a una persona que pueda ayudarte?',
  },
};

/** Maps any locale tag ("es-MX", "en_GB", "ES") to a catalog locale; unknown ones fall back to English. */
export function resolveLocale(locale?: string | null): AnswerLocale {
  const base = (locale ?? '').toLowerCase().split(/[-_]/)[0];
  return base === 'es' ? 'es' : 'en';
}

/** The framing strings for a locale. */
export function answerStrings(locale?: string | null): AnswerStrings {
  return CATALOG[resolveLocale(locale)];
}

/** Replaces `{name}` placeholders. */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (match, key: string) => values[key] ?? match);
}
