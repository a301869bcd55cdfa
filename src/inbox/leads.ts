const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';

/** The LTI roles that carry the inbox `lead` permission when a tenant names none. */
const DEFAULT_LEAD_ROLES = [
  `${LIS}institution/person#Administrator`,
  `${LIS}system/person#Administrator`,
  'urn:lti:instrole:ims/lis/Administrator',
  'urn:lti:sysrole:ims/lis/Administrator',
];

/**
 * Whether an admin has the `lead` permission (reassign others' threads, manage canned replies and teams,
 * read the audit log). The tenant's inbox settings may list LTI roles and/or user ids; with neither, the
 * LTI institution/system Administrator roles are leads. Instructors are never leads.
 */
export function isLead(input: {
  role: string;
  userId: string;
  ltiRoles: readonly string[];
  settings?: { leadRoles?: readonly string[]; leadUserIds?: readonly string[] } | null;
}): boolean {
  if (input.role !== 'admin') return false;
  const roles = input.settings?.leadRoles ?? [];
  const users = input.settings?.leadUserIds ?? [];
  if (users.includes(input.userId)) return true;
  const wanted = new Set(
    (roles.length || users.length ? roles : DEFAULT_LEAD_ROLES).map((r) => r.trim().toLowerCase()),
  );
  return input.ltiRoles.some((role) => wanted.has(role.trim().toLowerCase()));
}
