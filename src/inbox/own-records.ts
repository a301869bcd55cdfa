import { CourseModel } from '../courses/course.model.js';
import { findEachInTenant } from '../db/by-id.js';
import { AppError } from '../lib/errors.js';
import { UserModel } from '../users/user.model.js';

/**
 * Ids a lead sends for people (team members, leads) must be the tenant's own: another institution's
 * person is refused as unknown, so a setting never points outside the tenant.
 */
export async function requireOwnPeople(tenantId: string, ids: readonly string[] | undefined, field: string) {
  const wanted = [...new Set(ids ?? [])];
  const found = await findEachInTenant(UserModel, wanted, tenantId, { tenantId: 1 });
  const stranger = wanted.find((_, i) => !found[i]);
  if (stranger)
    throw new AppError('bad_request', `${field}: "${stranger}" is not a person of this institution.`);
}

/** Course ids (a team's courses) must be the tenant's own, as {@link requireOwnPeople} for people. */
export async function requireOwnCourses(tenantId: string, ids: readonly string[] | undefined, field: string) {
  const wanted = [...new Set(ids ?? [])];
  const found = await findEachInTenant(CourseModel, wanted, tenantId, { tenantId: 1 });
  const stranger = wanted.find((_, i) => !found[i]);
  if (stranger)
    throw new AppError('bad_request', `${field}: "${stranger}" is not a course of this institution.`);
}
