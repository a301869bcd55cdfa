// @ts-check
// Times as staff pages show them, in the browser's locale and zone.
import { el } from './dom.js';

const timeFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short' });
const dateFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

/**
 * "14:00" today, "Mon 14:00" this week, "24 Nov 14:00" otherwise.
 * @param {string} iso
 */
export function shortTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const now = new Date();
  const time = timeFormat.format(date);
  if (date.toDateString() === now.toDateString()) return time;
  if (Math.abs(date.getTime() - now.getTime()) < 6 * 86_400_000) return `${dayFormat.format(date)} ${time}`;
  return `${dateFormat.format(date)} ${time}`;
}

/**
 * A <time> with the short form shown and the full date and time as its title.
 * @param {string} iso
 * @param {string} [className]
 */
export function timeElement(iso, className) {
  const node = el('time', className, shortTime(iso));
  node.dateTime = iso;
  node.title = new Date(iso).toLocaleString();
  return node;
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * A date and time in full ("6 Dec 2026, 14:00" in the browser's locale), for logs and lists where the
 * day matters; the text as given when it is not a date.
 * @param {string} iso
 */
export function dateTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso ?? '') : dateTimeFormat.format(date);
}
