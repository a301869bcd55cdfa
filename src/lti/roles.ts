import type { ProductRole } from '../users/user.model.js';

const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';

/** Roles that make someone a product admin unless the institution says otherwise (see lti-notes). */
export const DEFAULT_ADMIN_ROLES = [
  `${LIS}system/person#Administrator`,
  `${LIS}system/person#SysAdmin`,
  `${LIS}institution/person#Administrator`,
  'urn:lti:sysrole:ims/lis/Administrator',
  'urn:lti:sysrole:ims/lis/SysAdmin',
  'urn:lti:instrole:ims/lis/Administrator',
];

/** Context roles (and their sub-roles) that teach: instructors, TAs, content developers, mentors. */
const TEACHING_ROLES = ['instructor', 'contentdeveloper', 'mentor', 'teachingassistant'];

/**
 * Normalises one role to a comparable form: lower case, and the context-role namespace and legacy URN
 * prefixes reduced to the role name, so `Instructor`, `…/membership#Instructor` and
 * `urn:lti:role:ims/lis/Instructor` compare equal.
 */
function contextRoleName(role: string): string | null {
  const value = role.trim().toLowerCase();
  const membership = value.match(
    /^http:\/\/purl\.imsglobal\.org\/vocab\/lis\/v2\/membership(?:\/[a-z]+)?#([a-z]+)$/,
  );
  if (membership?.[1]) return membership[1];
  const legacy = value.match(/^urn:lti:role:ims\/lis\/([a-z]+)(?:\/[a-z]+)?$/);
  if (legacy?.[1]) return legacy[1];
  if (/^[a-z]+$/.test(value)) return value; // short form ("Instructor")
  return null;
}

/**
 * Maps a launch's LTI roles to the product role. Admin wins over instructor over learner; no roles,
 * or only unknown ones, means learner. `adminRoles` (per institution) replaces the default admin set.
 */
export function productRole(
  roles: readonly string[] | undefined,
  adminRoles: readonly string[] = [],
): ProductRole {
  const given = (roles ?? []).filter((role): role is string => typeof role === 'string');
  const admins = new Set(
    (adminRoles.length ? adminRoles : DEFAULT_ADMIN_ROLES).map((role) => role.trim().toLowerCase()),
  );
  const lowered = given.map((role) => role.trim().toLowerCase());
  if (lowered.some((role) => admins.has(role))) return 'admin';
  // A tenant override may also name short forms (e.g. "Administrator" for membership#Administrator).
  if (adminRoles.length && given.some((role) => admins.has(contextRoleName(role) ?? ''))) return 'admin';
  if (given.some((role) => TEACHING_ROLES.includes(contextRoleName(role) ?? ''))) return 'instructor';
  return 'learner';
}
