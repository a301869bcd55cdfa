// The Hours and SLAs page: its elements, the settings being edited, the words for days, priorities,
// targets and roles, and building fields (text only, never HTML).
import { announcer } from '../common/admin-ui.js';

export const root = document.getElementById('hours');
export const $ = (id) => document.getElementById(id);
export const announce = root ? announcer($('announcer')) : () => {};

export const DAYS = [
  ['mon', 'Monday'],
  ['tue', 'Tuesday'],
  ['wed', 'Wednesday'],
  ['thu', 'Thursday'],
  ['fri', 'Friday'],
  ['sat', 'Saturday'],
  ['sun', 'Sunday'],
];
export const PRIORITIES = [
  ['urgent', 'Urgent'],
  ['high', 'High'],
  ['normal', 'Normal'],
  ['low', 'Low'],
];
export const TARGETS = [
  ['first_response', 'First response'],
  ['next_response', 'Next response'],
  ['resolution', 'Resolution'],
];
export const ROLES = [
  ['learner', 'Learners'],
  ['instructor', 'Instructors'],
  ['admin', 'Admins'],
];
/** Units a target can be typed in: how many minutes one is, and on which clock. */
export const UNITS = [
  { key: 'bmin', label: 'business minutes', factor: 1, clock: 'business' },
  { key: 'bhour', label: 'business hours', factor: 60, clock: 'business' },
  { key: 'bday', label: 'business days (8 h)', factor: 480, clock: 'business' },
  { key: 'cmin', label: 'minutes, around the clock', factor: 1, clock: 'calendar' },
  { key: 'chour', label: 'hours, around the clock', factor: 60, clock: 'calendar' },
];

/** The settings being edited (with version and preview as last read). */
export const hours = { settings: null };
let uid = 0;
export const newId = (prefix) => `${prefix}-${++uid}`;

/** An element with properties and children (strings become text, never HTML). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('aria-') || key === 'for' || key === 'list')
      node.setAttribute(key, String(value));
    else node[key] = value;
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

/** An input with its label and an error line (described by both), in a .field block. */
export function field(labelText, input, options = {}) {
  input.id = input.id || newId('f');
  const error = el('p', { className: 'field-error', id: newId('err'), hidden: true });
  input.dataset.error = error.id;
  input.setAttribute('aria-describedby', [options.hint?.id, error.id].filter(Boolean).join(' '));
  const label = el('label', { for: input.id }, labelText);
  return el('div', { className: 'field' }, label, input, options.hint ?? null, error);
}

export const list = (text) =>
  text
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
