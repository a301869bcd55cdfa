import {
  COURSE,
  COURSE_MEMBERS,
  type DemoUser,
  fullName,
  type PlatformUrls,
  RESOURCE_LINK,
} from './constants.js';

/** Names and Role Provisioning Services 2.0: the course roster. */

export const MAX_PAGE_SIZE = 100;

export interface MembershipPage {
  container: {
    id: string;
    context: { id: string; label: string; title: string };
    members: Record<string, unknown>[];
  };
  /** URL of the next page, for the Link header. */
  next?: string;
}

export type MembershipQuery = { role?: string; limit?: string; page?: string; rlid?: string };

/** Matches a full role URI, or a simple name (`Learner`, `TeachingAssistant`) against the fragment. */
function hasRole(user: DemoUser, role: string): boolean {
  return user.roles.some((candidate) => candidate === role || candidate.split('#')[1] === role);
}

function member(user: DemoUser, urls: PlatformUrls): Record<string, unknown> {
  return {
    status: 'Active',
    name: fullName(user),
    given_name: user.givenName,
    family_name: user.familyName,
    email: user.email,
    picture: urls.avatarUrl(user.id),
    user_id: user.id,
    lis_person_sourcedid: user.id,
    roles: user.roles,
  };
}

/** One page of the roster of a context, or an error message when the request cannot be answered. */
export function membershipPage(
  contextId: string,
  query: MembershipQuery,
  urls: PlatformUrls,
): MembershipPage | { status: 400 | 404; message: string } {
  if (contextId !== COURSE.id) return { status: 404, message: `No context ${contextId}.` };
  if (query.rlid !== undefined && query.rlid !== RESOURCE_LINK.id) {
    return { status: 404, message: `No resource link ${query.rlid} in ${contextId}.` };
  }
  const limit = query.limit === undefined ? MAX_PAGE_SIZE : Number(query.limit);
  const page = query.page === undefined ? 1 : Number(query.page);
  if (!Number.isInteger(limit) || limit < 1)
    return { status: 400, message: 'limit must be a positive integer.' };
  if (!Number.isInteger(page) || page < 1)
    return { status: 400, message: 'page must be a positive integer.' };
  const size = Math.min(limit, MAX_PAGE_SIZE);

  const everyone = query.role
    ? COURSE_MEMBERS.filter((user) => hasRole(user, query.role as string))
    : COURSE_MEMBERS;
  const slice = everyone.slice((page - 1) * size, page * size);
  const base = urls.membershipsUrl(contextId);
  const result: MembershipPage = {
    container: {
      id: base,
      context: { id: COURSE.id, label: COURSE.label, title: COURSE.title },
      members: slice.map((user) => member(user, urls)),
    },
  };
  if (page * size < everyone.length) {
    const next = new URL(base);
    if (query.role) next.searchParams.set('role', query.role);
    if (query.rlid) next.searchParams.set('rlid', query.rlid);
    next.searchParams.set('limit', String(size));
    next.searchParams.set('page', String(page + 1));
    result.next = next.toString();
  }
  return result;
}
