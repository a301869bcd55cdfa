/**
 * Every string the learner chat page shows, per language. The page receives the catalog for the
 * launch locale; English fills any gap.
 */
const en = {
  title: 'Ask for help',
  noCourse: 'No course',
  messageLabel: 'Message',
  messagePlaceholder: 'Ask a question about your course or the LMS',
  send: 'Send',
  talkToPerson: 'Talk to a person',
  courseInbox: 'Course support inbox',
  messagesLabel: 'Conversation',
  you: 'You',
  assistant: 'Assistant',
  support: 'Support team',
  system: 'Update',
  sending: 'Sending…',
  sent: 'Sent',
  failed: 'Not sent. Retry',
  typing: 'The assistant is writing…',
  staffTyping: 'Support is writing…',
  sources: 'Sources',
  helpful: 'Helpful',
  notHelpful: 'Not helpful',
  thanksFeedback: 'Thanks for the feedback.',
  reconnecting: 'Reconnecting…',
  connected: 'Connected',
  emptyState: 'Ask anything about your course or the LMS. If I cannot help, I will bring in a person.',
  waitingForPerson: 'Waiting for the support team',
  withPerson: 'A person from support is in this conversation',
  resolved: 'This conversation was resolved. Write again to reopen it.',
  confirmEmail: 'Yes, use this address',
  otherEmail: 'Use another address',
  emailLabel: 'Email for a follow-up',
  saveEmail: 'Save email',
  tooLong: 'Messages can be at most 4000 characters.',
  followUpEmail: "Email me replies when I'm away",
  followUpEmailHint:
    'If the support team replies while you are not on this page, we email you their replies.',
  followUpEmailOn: 'Saved: replies will be emailed to you when you are away.',
  followUpEmailOff: 'Saved: replies will not be emailed to you.',
  followUpEmailFailed: 'Your choice could not be saved. Please try again.',
} as const;

export type UiMessages = { [K in keyof typeof en]: string };

const es: UiMessages = {
  title: 'Pedir ayuda',
  noCourse: 'Sin curso',
  messageLabel: 'Mensaje',
  messagePlaceholder: 'Pregunta sobre tu curso o la plataforma',
  send: 'Enviar',
  talkToPerson: 'Hablar con una persona',
  courseInbox: 'Bandeja de soporte del curso',
  messagesLabel: 'Conversación',
  you: 'Tú',
  assistant: 'Asistente',
  support: 'Equipo de soporte',
  system: 'Aviso',
  sending: 'Enviando…',
  sent: 'Enviado',
  failed: 'No enviado. Reintentar',
  typing: 'El asistente está escribiendo…',
  staffTyping: 'Soporte está escribiendo…',
  sources: 'Fuentes',
  helpful: 'Útil',
  notHelpful: 'No útil',
  thanksFeedback: 'Gracias por tu opinión.',
  reconnecting: 'Reconectando…',
  connected: 'Conectado',
  emptyState:
    'Pregunta lo que quieras sobre tu curso o la plataforma. Si no puedo ayudarte, llamaré a una persona.',
  waitingForPerson: 'Esperando al equipo de soporte',
  withPerson: 'Una persona de soporte está en esta conversación',
  resolved: 'Esta conversación se resolvió. Escribe de nuevo para reabrirla.',
  confirmEmail: 'Sí, usar esta dirección',
  otherEmail: 'Usar otra dirección',
  emailLabel: 'Correo para el seguimiento',
  saveEmail: 'Guardar correo',
  tooLong: 'Los mensajes pueden tener como máximo 4000 caracteres.',
  followUpEmail: 'Enviarme las respuestas por correo cuando no esté',
  followUpEmailHint:
    'Si el equipo de soporte responde mientras no estás en esta página, te enviamos sus respuestas por correo.',
  followUpEmailOn: 'Guardado: te enviaremos las respuestas por correo cuando no estés.',
  followUpEmailOff: 'Guardado: no te enviaremos las respuestas por correo.',
  followUpEmailFailed: 'No se pudo guardar tu elección. Inténtalo de nuevo.',
};

const catalogs: Record<string, UiMessages> = { en, es };

/** The language code we have a catalog for, from a launch locale such as "es-419" or "en_US". */
export function uiLanguage(locale: string | undefined | null): 'en' | 'es' {
  return (locale ?? '').toLowerCase().startsWith('es') ? 'es' : 'en';
}

/** The UI strings for a locale. */
export function uiMessages(locale: string | undefined | null): UiMessages {
  return catalogs[uiLanguage(locale)] ?? en;
}
