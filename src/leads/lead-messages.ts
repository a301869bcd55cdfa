import { type HandoffLocale, handoffLocale } from '../handoff/handoff-messages.catalog.js';

/**
 * What the bot and the capture card say to a prospect, in the languages the handoff lines ship in (the
 * learner's language when the product frames messages; English otherwise).
 */
export interface LeadStrings {
  /** The bot's reply to a prospect's enquiry: it will put them in touch, and asks for details below. */
  prompt: string;
  /** A second enquiry in a thread whose details sales already has. */
  alreadyCaptured: string;
  /** After the details were stored. `{name}`, `{email}`. */
  thanks: string;
  /** The card. */
  cardTitle: string;
  cardIntro: string;
  name: string;
  email: string;
  emailHint: string;
  organisation: string;
  role: string;
  interest: string;
  optional: string;
  submit: string;
  decline: string;
  declined: string;
  /** The default consent sentence when the tenant has set none. */
  consent: string;
  // Field errors.
  nameRequired: string;
  emailInvalid: string;
  organisationRequired: string;
  consentRequired: string;
  tooLong: string;
  failed: string;
}

const en: LeadStrings = {
  prompt:
    'Thanks for your interest! This assistant answers questions about your courses, so I will put you in touch with our team instead. Please leave your details below and they will contact you.',
  alreadyCaptured:
    'Our team already has your details and will contact you soon. You can keep asking me about your courses.',
  thanks: 'Thank you, {name}. Our team will contact you at {email}.',
  cardTitle: 'Contact our team',
  cardIntro: 'Fields marked optional can be left empty.',
  name: 'Your name',
  email: 'Work email',
  emailHint: 'Your work address helps our team reach the right person.',
  organisation: 'Organisation',
  role: 'Your role',
  interest: 'What are you interested in?',
  optional: 'optional',
  submit: 'Send my details',
  decline: 'No thanks',
  declined: 'No problem. You can keep chatting.',
  consent: 'I agree that the team may contact me about this enquiry using the details above.',
  nameRequired: 'Enter your name.',
  emailInvalid: 'Enter an email address like name@school.edu.',
  organisationRequired: 'Enter your organisation.',
  consentRequired: 'Tick the box to agree to be contacted.',
  tooLong: 'This is too long (at most {max} characters).',
  failed: 'Your details could not be sent. Please try again.',
};

const es: LeadStrings = {
  prompt:
    '¡Gracias por tu interés! Este asistente responde preguntas sobre tus cursos, así que te pondré en contacto con nuestro equipo. Deja tus datos abajo y te contactarán.',
  alreadyCaptured:
    'Nuestro equipo ya tiene tus datos y te contactará pronto. Puedes seguir preguntándome sobre tus cursos.',
  thanks: 'Gracias, {name}. Nuestro equipo te contactará en {email}.',
  cardTitle: 'Contactar con nuestro equipo',
  cardIntro: 'Los campos marcados como opcionales pueden quedar vacíos.',
  name: 'Tu nombre',
  email: 'Correo del trabajo',
  emailHint: 'Tu correo del trabajo ayuda a nuestro equipo a llegar a la persona adecuada.',
  organisation: 'Organización',
  role: 'Tu cargo',
  interest: '¿Qué te interesa?',
  optional: 'opcional',
  submit: 'Enviar mis datos',
  decline: 'No, gracias',
  declined: 'De acuerdo. Puedes seguir conversando.',
  consent: 'Acepto que el equipo me contacte sobre esta consulta con los datos indicados.',
  nameRequired: 'Escribe tu nombre.',
  emailInvalid: 'Escribe un correo como nombre@escuela.edu.',
  organisationRequired: 'Escribe tu organización.',
  consentRequired: 'Marca la casilla para aceptar que te contacten.',
  tooLong: 'Es demasiado largo (como máximo {max} caracteres).',
  failed: 'No se pudieron enviar tus datos. Inténtalo de nuevo.',
};

const CATALOG: Record<HandoffLocale, LeadStrings> = { en, es };

/** The strings for a locale tag ("es-MX" → Spanish; unknown → English). */
export function leadStrings(locale?: string | null): LeadStrings {
  return CATALOG[handoffLocale(locale)];
}

/** One string with `{placeholders}` filled. */
export function leadText(
  key: keyof LeadStrings,
  locale?: string | null,
  values: Record<string, string | number> = {},
): string {
  return leadStrings(locale)[key].replace(/\{(\w+)\}/g, (match, name: string) =>
    values[name] === undefined ? match : String(values[name]),
  );
}
