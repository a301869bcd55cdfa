/** The values a canned reply may use. */
export interface CannedVariables {
  learner: { firstName?: string; name?: string };
  course: { title?: string };
  admin: { name?: string };
}

const VARIABLE = /\{\{\s*([a-zA-Z]+)\.([a-zA-Z]+)\s*\}\}/g;

/**
 * Fills `{{learner.firstName}}`, `{{learner.name}}`, `{{course.title}}` and `{{admin.name}}` into a canned
 * reply. Unknown variables, and known ones without a value, stay visible as written so the admin notices
 * before sending. Pure: no escaping here (the text is a message; whoever renders it escapes it).
 */
export function renderCanned(text: string, vars: CannedVariables): string {
  return text.replace(VARIABLE, (whole, scope: string, field: string) => {
    const scopes = vars as unknown as Record<string, Record<string, string | undefined> | undefined>;
    const group = Object.hasOwn(scopes, scope) ? scopes[scope] : undefined;
    const value = group && Object.hasOwn(group, field) ? group[field] : undefined;
    return typeof value === 'string' && value.trim() ? value.trim() : whole;
  });
}

/** A first name from a full name when the LMS gave none ("Ana María López" → "Ana"). */
export const firstNameOf = (name?: string) => name?.trim().split(/\s+/)[0] || undefined;
