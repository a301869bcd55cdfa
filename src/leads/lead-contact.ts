import { EMAIL_MAX_LENGTH, isEmailAddress } from '../lib/email-address.js';
import type { LeadContact } from './lead.model.js';
import { leadText } from './lead-messages.js';

/** The longest value each field keeps (more is refused, never cut). */
export const CONTACT_LIMITS = {
  name: 120,
  email: EMAIL_MAX_LENGTH,
  organisation: 200,
  role: 120,
  interest: 2000,
} as const;

/**
 * Free-mail providers: an address there is accepted (a small school's head may use one) but flagged, so
 * sales knows it is not a work address.
 */
const FREE_MAIL = new Set([
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'yahoo.es',
  'yahoo.co.uk',
  'ymail.com',
  'hotmail.com',
  'hotmail.es',
  'hotmail.co.uk',
  'outlook.com',
  'outlook.es',
  'live.com',
  'msn.com',
  'aol.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'proton.me',
  'protonmail.com',
  'gmx.com',
  'gmx.de',
  'gmx.net',
  'mail.com',
  'yandex.com',
  'yandex.ru',
  'zoho.com',
  'qq.com',
  '163.com',
  'web.de',
  'fastmail.com',
]);

/** Whether an address is at a free-mail provider (by its domain). */
export function isFreeMail(email: string): boolean {
  return FREE_MAIL.has(email.slice(email.lastIndexOf('@') + 1).toLowerCase());
}

export type ContactField = 'name' | 'email' | 'organisation' | 'role' | 'interest' | 'consent';

/** The card's fields as sent (anything may be missing or of the wrong type). */
export interface ContactInput {
  name?: unknown;
  email?: unknown;
  organisation?: unknown;
  role?: unknown;
  interest?: unknown;
  consent?: unknown;
}

export type ContactCheck =
  | { ok: true; contact: LeadContact }
  | { ok: false; fields: Partial<Record<ContactField, string>> };

/** Text of a field: trimmed, inner runs of whitespace kept (the interest may have lines). */
const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

/**
 * Checks the capture card: name, email and organisation are required, role and interest optional, the
 * consent box must be ticked (`true`). Every problem is reported, per field, in the learner's language.
 */
export function checkContact(input: ContactInput, locale?: string | null): ContactCheck {
  const fields: Partial<Record<ContactField, string>> = {};
  const values = {
    name: text(input.name),
    email: text(input.email).toLowerCase(),
    organisation: text(input.organisation),
    role: text(input.role),
    interest: text(input.interest),
  };
  for (const key of Object.keys(values) as (keyof typeof values)[])
    if (values[key].length > CONTACT_LIMITS[key])
      fields[key] = leadText('tooLong', locale, { max: CONTACT_LIMITS[key] });
  if (!values.name) fields.name = leadText('nameRequired', locale);
  if (!fields.email && !isEmailAddress(values.email)) fields.email = leadText('emailInvalid', locale);
  if (!values.organisation) fields.organisation = leadText('organisationRequired', locale);
  if (input.consent !== true) fields.consent = leadText('consentRequired', locale);
  if (Object.keys(fields).length) return { ok: false, fields };
  return {
    ok: true,
    contact: {
      name: values.name,
      email: values.email,
      freeMail: isFreeMail(values.email),
      organisation: values.organisation,
      ...(values.role ? { role: values.role } : {}),
      ...(values.interest ? { interest: values.interest } : {}),
    },
  };
}
