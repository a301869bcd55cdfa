import { CourseModel } from '../courses/course.model.js';
import { findInTenant } from '../db/by-id.js';
import { AppError } from '../lib/errors.js';
import { listCourseMembers } from '../lti/nrps.service.js';
import type { AuditLog } from './audit-log.js';
import { requireOwnCourses, requireOwnPeople } from './own-records.js';
import { requireLead } from './permissions.js';
import type { StaffContext } from './staff-context.js';
import type { TeamInput, TeamService, TeamView } from './teams.js';

/** The tenant's teams as staff manage them: listed for everyone, changed by leads (each change audited). */
export class TeamAdmin {
  constructor(private readonly deps: { teams: TeamService; audit: AuditLog }) {}

  list(ctx: StaffContext): Promise<TeamView[]> {
    return this.deps.teams.list(ctx.tenantId);
  }

  create(ctx: StaffContext, input: TeamInput): Promise<TeamView> {
    return this.deps.audit.leadChange(
      ctx,
      'team.create',
      async () => {
        await this.requireOwn(ctx, input);
        return this.deps.teams.create(ctx.tenantId, input);
      },
      (team) => ({ id: team.id, name: team.name }),
    );
  }

  update(ctx: StaffContext, id: string, input: TeamInput): Promise<TeamView> {
    return this.deps.audit.leadChange(
      ctx,
      'team.update',
      async () => {
        await this.requireOwn(ctx, input);
        return this.deps.teams.update(ctx.tenantId, id, input);
      },
      (team) => ({ id, name: team.name }),
    );
  }

  remove(ctx: StaffContext, id: string): Promise<void> {
    return this.deps.audit.leadChange(
      ctx,
      'team.delete',
      () => this.deps.teams.remove(ctx.tenantId, id),
      () => ({ id }),
    );
  }

  /** A team's members and courses are the tenant's own (checked after the lead check, before the write). */
  private async requireOwn(ctx: StaffContext, input: TeamInput) {
    await requireOwnPeople(ctx.tenantId, input.memberIds, 'memberIds');
    await requireOwnCourses(ctx.tenantId, input.courseIds, 'courseIds');
  }

  /**
   * A course's instructor team from the LMS member list (NRPS): named after the course, its members the
   * course's instructors (who reach the inbox when they next launch), its threads routed to it.
   */
  async syncCourse(ctx: StaffContext, courseId: string) {
    requireLead(ctx);
    const course = await findInTenant(CourseModel, courseId, ctx.tenantId);
    if (!course) throw new AppError('not_found', 'That course was not found.');
    const members = await listCourseMembers({ tenantId: ctx.tenantId, courseId });
    const instructors = members.filter((m) => m.role === 'instructor' && m.status !== 'Inactive');
    const title = course.title ?? course.label ?? 'Course';
    const team = await this.deps.teams.syncCourseTeam(ctx.tenantId, {
      courseId,
      name: `${title} instructors`.slice(0, 100),
      memberIds: instructors.map((m) => m.userId),
    });
    this.deps.audit.record(ctx, 'team.sync_course', undefined, {
      id: team.id,
      courseId,
      members: instructors.length,
    });
    return { team, instructors: instructors.map((m) => ({ userId: m.userId, name: m.name ?? m.subject })) };
  }
}
