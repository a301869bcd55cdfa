/** The longest address SMTP carries (RFC 5321: 256 octets of path less the angle brackets). */
export const EMAIL_MAX_LENGTH = 254;

const LOCAL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}$/;
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const TOP_LEVEL = /^[A-Za-z]{2,63}$/;

/**
 * The one email address check (prospects' contact details, notification channels, settings entries): one
 * `@`, a local part of printable characters without spaces, and a domain of dot-separated labels (letters,
 * digits, hyphens, not at either end) ending in a top-level name of two or more letters. Deliberately
 * stricter than RFC 5322 (no quoted local parts, no IP literals): people type ordinary addresses, and
 * anything looser lets typos through to a mail server that bounces them later.
 */
export function isEmailAddress(value: string): boolean {
  if (value.length > EMAIL_MAX_LENGTH) return false;
  const at = value.lastIndexOf('@');
  if (at <= 0 || value.indexOf('@') !== at) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (!LOCAL.test(local) || local.startsWith('.') || local.endsWith('.') || local.includes('..'))
    return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  if (!labels.every((label) => LABEL.test(label))) return false;
  return TOP_LEVEL.test(labels[labels.length - 1] ?? '');
}

/**
 * The first email address written in free text ("write me at ana@uni.edu, thanks"): the words around `@`
 * with surrounding punctuation trimmed, checked by {@link isEmailAddress}.
 */
export function findEmailAddress(text: string): string | undefined {
  for (const word of text.split(/[\s,;:<>()[\]"]+/)) {
    if (!word.includes('@')) continue;
    const candidate = word.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
    if (isEmailAddress(candidate)) return candidate;
  }
  return undefined;
}
