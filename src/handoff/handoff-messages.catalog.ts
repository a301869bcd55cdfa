/** Locales the handoff messages ship in. */
export type HandoffLocale = 'en' | 'es';

/** What the bot and the product say around handoffs. `{name}` placeholders are filled by {@link handoffText}. */
export interface HandoffStrings {
  /** In hours, staff watching: the usual wait as a duration. */
  handoffLive: string;
  /** In hours but the reply crosses closing time: a reply-by time. */
  handoffLiveBy: string;
  /** Out of hours: honest reply-by time, email confirmation, invitation to add details. */
  handoffOffline: string;
  /** In hours but nobody has the inbox open. */
  handoffUnwatched: string;
  /** Appended when the launch carried no email. */
  askDetailsNoEmail: string;
  /** The bot's weak answer is followed by this offer. */
  lowConfidenceOffer: string;
  rateLimited: string;
  tooLong: string;
  empty: string;
  contactNoted: string;
  claimed: string;
  handedBack: string;
  resolved: string;
  reopened: string;
  minutes: string;
  oneHour: string;
  hours: string;
  oneDay: string;
}

const CATALOG: Record<HandoffLocale, HandoffStrings> = {
  en: {
    handoffLive:
      "I've asked our support team to join; someone usually replies within {duration}. You can add any details here in the meantime.",
    handoffLiveBy:
      "I've asked our support team to join. Someone will reply by {when}. You can add any details here in the meantime.",
    handoffOffline:
      'Our team is offline now. An admin will reply by {when}. Is {email} the best address to reach you? Add any details here — everything stays in this thread.',
    handoffUnwatched:
      "I've passed this to our support team. An admin will reply by {when}. Is {email} the best address to reach you? Add any details here — everything stays in this thread.",
    askDetailsNoEmail:
      'Add any details here — everything stays in this thread, and you will see the reply here.',
    lowConfidenceOffer: "I'm not sure about this one — would you like me to bring in a person?",
    rateLimited: "You're sending messages faster than we can keep up. Please wait a moment and try again.",
    tooLong:
      'That message is too long (the limit is {max} characters). Please shorten it or send it in parts.',
    empty: 'Please write a message first.',
    contactNoted: "Thanks — we'll follow up at {email}.",
    claimed: '{name} joined the conversation.',
    handedBack: 'The assistant is back in this conversation.',
    resolved: 'This conversation was marked as resolved. Write again here if you need more help.',
    reopened: 'Your message reopened this conversation; our team will see it.',
    minutes: '{n} minutes',
    oneHour: 'an hour',
    hours: '{n} hours',
    oneDay: 'a business day',
  },
  es: {
    handoffLive:
      'Pedí a nuestro equipo de soporte que se una; normalmente alguien responde en {duration}. Mientras tanto, puedes añadir detalles aquí.',
    handoffLiveBy:
      'Pedí a nuestro equipo de soporte que se una. Alguien responderá a más tardar {when}. Mientras tanto, puedes añadir detalles aquí.',
    handoffOffline:
      'Nuestro equipo no está disponible ahora. Un administrador responderá a más tardar {when}. ¿Es {email} la mejor dirección para contactarte? Añade cualquier detalle aquí: todo queda en esta conversación.',
    handoffUnwatched:
      'Pasé tu consulta a nuestro equipo de soporte. Un administrador responderá a más tardar {when}. ¿Es {email} la mejor dirección para contactarte? Añade cualquier detalle aquí: todo queda en esta conversación.',
    askDetailsNoEmail:
      'Añade cualquier detalle aquí: todo queda en esta conversación y verás la respuesta aquí.',
    lowConfidenceOffer: 'No estoy seguro de esta respuesta. ¿Quieres que llame a una persona?',
    rateLimited: 'Estás enviando mensajes muy rápido. Espera un momento y vuelve a intentarlo.',
    tooLong:
      'El mensaje es demasiado largo (el límite es de {max} caracteres). Acórtalo o envíalo en partes.',
    empty: 'Escribe un mensaje primero.',
    contactNoted: 'Gracias, te escribiremos a {email}.',
    claimed: '{name} se unió a la conversación.',
    handedBack: 'El asistente vuelve a estar en esta conversación.',
    resolved: 'Esta conversación se marcó como resuelta. Escribe aquí de nuevo si necesitas más ayuda.',
    reopened: 'Tu mensaje reabrió esta conversación; nuestro equipo lo verá.',
    minutes: '{n} minutos',
    oneHour: 'una hora',
    hours: '{n} horas',
    oneDay: 'un día hábil',
  },
};

/** Maps any locale tag ("es-MX", "en_GB") to a catalog locale; unknown ones fall back to English. */
export function handoffLocale(locale?: string | null): HandoffLocale {
  return (locale ?? '').toLowerCase().split(/[-_]/)[0] === 'es' ? 'es' : 'en';
}

/** A message in a locale with `{placeholders}` filled. */
export function handoffText(
  key: keyof HandoffStrings,
  locale?: string | null,
  values: Record<string, string | number> = {},
): string {
  return CATALOG[handoffLocale(locale)][key].replace(/\{(\w+)\}/g, (match, name: string) =>
    values[name] === undefined ? match : String(values[name]),
  );
}

/** A reply target as words: "15 minutes", "an hour", "4 hours", "a business day". */
export function describeDuration(minutes: number, locale?: string | null): string {
  if (minutes < 60) return handoffText('minutes', locale, { n: Math.max(1, Math.round(minutes)) });
  if (minutes === 60) return handoffText('oneHour', locale);
  if (minutes < 8 * 60) return handoffText('hours', locale, { n: Math.round(minutes / 60) });
  return handoffText('oneDay', locale);
}

/** What the bot tells the learner right after a handoff. */
export function handoffAnnouncement(input: {
  locale?: string | null;
  mode: 'live' | 'async';
  /** Why async: closed hours or nobody watching. */
  outOfHours: boolean;
  replyByText: string;
  /** The business minutes of the reply target, and whether the reply-by stays within today's hours. */
  targetMinutes: number;
  sameStretch: boolean;
  email?: string;
}): string {
  const { locale } = input;
  if (input.mode === 'live')
    return input.sameStretch
      ? handoffText('handoffLive', locale, { duration: describeDuration(input.targetMinutes, locale) })
      : handoffText('handoffLiveBy', locale, { when: input.replyByText });
  const key = input.outOfHours ? 'handoffOffline' : 'handoffUnwatched';
  if (input.email) return handoffText(key, locale, { when: input.replyByText, email: input.email });
  // No email from the launch: keep the honest time, skip the question about the address.
  const full = handoffText(key, locale, { when: input.replyByText, email: '\u0000' });
  const firstSentences = full.split(/(?<=[.!?])\s+/).filter((s) => !s.includes('\u0000'));
  const withoutDetails = firstSentences.filter((s) => !/everything stays|todo queda/.test(s));
  return [...withoutDetails, handoffText('askDetailsNoEmail', locale)].join(' ');
}
