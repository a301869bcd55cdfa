import { DateTime } from 'luxon';
import { uiLanguage } from '../i18n/ui-messages.js';
import { escapeHtml } from './channels/escape.js';
import type { QuotedReply, ReadyEmail } from './notify.types.js';

/** A staff reply as the learner's email shows it. */
export type FollowUpReply = QuotedReply;

/** What a learner follow-up email says. */
export interface FollowUpContent {
  /** The learner's first name or name, if the launch gave one. */
  learnerName?: string;
  courseTitle?: string;
  /** Launch locale of the thread (`es-419`, `en_US`…): picks the language. */
  locale?: string;
  /** IANA zone the reply times are shown in (the tenant's), default UTC. */
  timeZone?: string;
  replies: FollowUpReply[];
  /**
   * Where "Back to your course" leads: the LMS address the launch gave as its return URL
   * (`launch_presentation.return_url`), only when it is http(s). Absent: the email names the course
   * and asks the learner to open it in their LMS.
   */
  courseUrl?: string;
}

/** The follow-up email as the learner reads it. */
export type RenderedEmail = ReadyEmail;

const strings = {
  en: {
    subject: (course?: string) => (course ? `New reply from support: ${course}` : 'New reply from support'),
    subjectMany: (n: number, course?: string) =>
      course ? `${n} new replies from support: ${course}` : `${n} new replies from support`,
    greeting: (name?: string) => (name ? `Hello ${name},` : 'Hello,'),
    intro: 'The support team replied to your question while you were away:',
    support: 'Support team',
    back: 'Back to your course',
    openCourse: (course?: string) =>
      course
        ? `To answer, open "${course}" in your LMS and open Ask for help.`
        : 'To answer, open your course in your LMS and open Ask for help.',
    answerThere: 'You can answer there: the conversation continues in Ask for help.',
    why: 'You get this email because you asked for help and were not on the page when the reply arrived. You can turn these emails off on the Ask for help page ("Email me replies when I\'m away").',
  },
  es: {
    subject: (course?: string) =>
      course ? `Nueva respuesta de soporte: ${course}` : 'Nueva respuesta de soporte',
    subjectMany: (n: number, course?: string) =>
      course ? `${n} respuestas nuevas de soporte: ${course}` : `${n} respuestas nuevas de soporte`,
    greeting: (name?: string) => (name ? `Hola ${name}:` : 'Hola:'),
    intro: 'El equipo de soporte respondió a tu pregunta mientras no estabas:',
    support: 'Equipo de soporte',
    back: 'Volver a tu curso',
    openCourse: (course?: string) =>
      course
        ? `Para responder, abre «${course}» en tu plataforma y entra en Pedir ayuda.`
        : 'Para responder, abre tu curso en tu plataforma y entra en Pedir ayuda.',
    answerThere: 'Puedes responder allí: la conversación continúa en Pedir ayuda.',
    why: 'Recibes este correo porque pediste ayuda y no estabas en la página cuando llegó la respuesta. Puedes desactivar estos correos en la página Pedir ayuda («Enviarme las respuestas por correo cuando no esté»).',
  },
} as const;

/** Only http(s) links are offered (a javascript: or data: return URL from a launch never becomes a link). */
export function safeCourseUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** Header lines must not carry line breaks (a course title is LMS-controlled text). */
const oneLine = (value: string) => value.replace(/[\r\n\t]+/g, ' ').trim();

/**
 * The learner follow-up email in the thread's language: every staff reply not yet sent (oldest first,
 * with its time), the way back to the course, and why the email came and how to turn it off.
 */
export function renderFollowUpEmail(content: FollowUpContent): RenderedEmail {
  const lang = uiLanguage(content.locale);
  const s = strings[lang];
  const course = content.courseTitle ? oneLine(content.courseTitle) : undefined;
  const link = safeCourseUrl(content.courseUrl);
  const zone = content.timeZone ?? 'UTC';
  const when = (iso: string) => {
    const time = DateTime.fromISO(iso, { zone }).setLocale(lang);
    return time.isValid ? time.toLocaleString(DateTime.DATETIME_MED) : iso;
  };
  const count = content.replies.length;
  const subject = count > 1 ? s.subjectMany(count, course) : s.subject(course);

  const textReplies = content.replies.map(
    (reply) => `${reply.author ? oneLine(reply.author) : s.support} · ${when(reply.at)}\n${reply.text}`,
  );
  const text = [
    s.greeting(content.learnerName),
    '',
    s.intro,
    '',
    textReplies.join('\n\n'),
    '',
    link ? `${s.back}: ${link}` : s.openCourse(course),
    link ? s.answerThere : '',
    '',
    '-- ',
    s.why,
  ]
    .filter((line, i, all) => !(line === '' && all[i - 1] === ''))
    .join('\n');

  const htmlReplies = content.replies
    .map(
      (reply) =>
        `<div style="margin:0 0 16px;padding:12px;border-left:3px solid #2b59c3;background:#f5f7fb">` +
        `<p style="margin:0 0 6px;color:#444;font-size:13px"><strong>${escapeHtml(reply.author ? oneLine(reply.author) : s.support)}</strong> · ${escapeHtml(when(reply.at))}</p>` +
        `<p style="margin:0;white-space:pre-wrap">${escapeHtml(reply.text)}</p></div>`,
    )
    .join('');
  const action = link
    ? `<p><a href="${escapeHtml(link)}" style="display:inline-block;padding:10px 16px;background:#2b59c3;color:#fff;text-decoration:none;border-radius:4px">${escapeHtml(s.back)}</a></p><p>${escapeHtml(s.answerThere)}</p>`
    : `<p>${escapeHtml(s.openCourse(course))}</p>`;
  const html =
    `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>` +
    `<body style="font-family:system-ui,-apple-system,Segoe UI,sans-serif;line-height:1.5;color:#1a1a1a;max-width:600px">` +
    `<p>${escapeHtml(s.greeting(content.learnerName))}</p><p>${escapeHtml(s.intro)}</p>${htmlReplies}${action}` +
    `<hr style="border:none;border-top:1px solid #ddd"><p style="color:#555;font-size:12px">${escapeHtml(s.why)}</p>` +
    `</body></html>`;
  return { subject: oneLine(subject), text, html };
}
