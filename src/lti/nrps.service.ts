import { Types } from 'mongoose';
import { CourseModel } from '../courses/course.model.js';
import { findInTenant } from '../db/by-id.js';
import { AppError } from '../lib/errors.js';
import { stableObjectId } from '../lib/ids.js';
import { LaunchModel } from './launch.model.js';
import { ltijsProvider } from './ltijs.js';
import { productRole } from './roles.js';

export interface CourseMember {
  subject: string;
  /** The Chatref user id this member has, or will have on a first launch (derived from the LMS subject). */
  userId: string;
  name?: string;
  email?: string;
  ltiRoles: string[];
  role: 'learner' | 'instructor' | 'admin';
  status: string;
}

/**
 * Reads a course's members from the LMS (Names and Role Provisioning Services), e.g. to route course
 * questions to its instructors. Access tokens are cached by ltijs until they expire, so repeated calls
 * cost one token request per hour and platform.
 */
export async function listCourseMembers(input: {
  tenantId: string;
  courseId: string;
  role?: string;
  maxPages?: number;
}): Promise<CourseMember[]> {
  const tenantId = new Types.ObjectId(input.tenantId);
  const course = await findInTenant(CourseModel, input.courseId, tenantId);
  if (!course) throw new AppError('not_found', 'That course was not found.');
  if (!course.membershipsUrl)
    throw new AppError('unprocessable', 'The LMS does not offer the member list for this course.');
  // The newest launch from this course says which registration (client id, deployment) to call with.
  const launch = await LaunchModel.findOne({ tenantId, courseId: course._id }).sort({ createdAt: -1 }).lean();
  if (!launch) throw new AppError('unprocessable', 'Nobody has launched Chatref from this course yet.');
  const result = await (await ltijsProvider()).NamesAndRoles.getMembers(
    {
      iss: launch.issuer,
      clientId: launch.clientId,
      deploymentId: launch.deploymentId,
      platformContext: { namesRoles: { context_memberships_url: course.membershipsUrl } },
    },
    { role: input.role, pages: input.maxPages ?? 20 },
  );
  return result.members.map((member) => {
    const roles = Array.isArray(member.roles) ? member.roles.map(String) : [];
    const subject = String(member.user_id ?? '');
    return {
      subject,
      userId: String(stableObjectId(input.tenantId, launch.issuer, subject)),
      name: typeof member.name === 'string' ? member.name : undefined,
      email: typeof member.email === 'string' ? member.email : undefined,
      ltiRoles: roles,
      role: productRole(roles),
      status: typeof member.status === 'string' ? member.status : 'Active',
    };
  });
}
