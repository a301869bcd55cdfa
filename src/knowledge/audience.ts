/**
 * Who a help article is written for, when the article says so: a learner's question should prefer the
 * learner's article over the instructor's or the administrator's on the same subject ("reset my
 * password" vs "configure password validators").
 */
export type Audience = 'learner' | 'instructor' | 'admin';

// Words that name an audience, as path segments ("docs/learners/…", "site_ops") or in an "Audience:" or
// "Source:" line at the top of the document.
const AUDIENCE_WORDS: readonly [RegExp, Audience][] = [
  [/\b(learners?|students?|estudiantes?|alumnos?)\b/i, 'learner'],
  [
    /\b(educators?|instructors?|teachers?|course[ _-]?(?:authors?|staff|teams?)|profesores?|docentes?)\b/i,
    'instructor',
  ],
  [/\b(site[ _-]?op(?:eration)?s|site[ _-]?operators?|administrators?|admins?|operators?)\b/i, 'admin'],
];

/** Lines at the top of a document that may name its audience. */
const HEADER_LINE = /^(?:audience|source|for)\s*:\s*(.+)$/im;

/**
 * The audience a document names in its path or in an "Audience:" / "Source:" line near its top, or null
 * when it names none or more than one (then no question prefers it).
 */
export function inferAudience(document: { path?: string; text: string }): Audience | null {
  const header = HEADER_LINE.exec(document.text.slice(0, 600))?.[1] ?? '';
  for (const place of [header, (document.path ?? '').replace(/[/\\.]/g, ' ')]) {
    const found = new Set(AUDIENCE_WORDS.filter(([pattern]) => pattern.test(place)).map(([, a]) => a));
    if (found.size === 1) return [...found][0] ?? null;
  }
  return null;
}
