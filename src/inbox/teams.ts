import { findInTenant } from '../db/by-id.js';
import { objectId } from '../events/ids.js';
import { AppError } from '../lib/errors.js';
import { type Team, TeamModel } from './inbox.models.js';

/** A team as the API shows it. */
export interface TeamView {
  id: string;
  name: string;
  memberIds: string[];
  courseIds: string[];
  categories: string[];
  /** The course whose instructors (from the LMS) this team is. */
  courseTeamOf?: string;
}

export interface TeamInput {
  name: string;
  memberIds?: string[];
  courseIds?: string[];
  categories?: string[];
}

const toView = (team: Team): TeamView => ({
  id: String(team._id),
  name: team.name,
  memberIds: (team.memberIds ?? []).map(String),
  courseIds: (team.courseIds ?? []).map(String),
  categories: team.categories ?? [],
  ...(team.courseTeamOf ? { courseTeamOf: String(team.courseTeamOf) } : {}),
});

/**
 * The routing rule: a thread without a team of its own belongs to the first team (by name) that lists its
 * course, else the first that lists its category. Pure, so the index and tests share it.
 */
export function routeTeam(
  teams: readonly TeamView[],
  thread: { courseId?: string; category?: string },
): string | undefined {
  if (thread.courseId) {
    const byCourse = teams.find((team) => team.courseIds.includes(thread.courseId as string));
    if (byCourse) return byCourse.id;
  }
  if (thread.category) {
    const category = thread.category.toLowerCase();
    const byCategory = teams.find((team) => team.categories.some((c) => c.toLowerCase() === category));
    if (byCategory) return byCategory.id;
  }
  return undefined;
}

/** What the inbox index needs from teams. */
export interface TeamRouting {
  route(tenantId: string, thread: { courseId?: string; category?: string }): Promise<string | undefined>;
}

/**
 * Teams per tenant (a small collection, read whole and cached for a few seconds per process). Changes call
 * `onChange` so the inbox index re-routes the tenant's threads.
 */
export class TeamService implements TeamRouting {
  private readonly cache = new Map<string, { at: number; teams: Promise<TeamView[]> }>();
  onChange?: (tenantId: string) => void;

  constructor(private readonly options: { cacheMs?: number } = {}) {}

  async list(tenantId: string): Promise<TeamView[]> {
    const cached = this.cache.get(tenantId);
    if (cached && Date.now() - cached.at < (this.options.cacheMs ?? 5000)) return cached.teams;
    const teams = TeamModel.find({ tenantId: objectId(tenantId, 'Tenant') })
      .lean<Team[]>()
      .then((rows) => rows.map(toView).sort((a, b) => a.name.localeCompare(b.name)));
    this.cache.set(tenantId, { at: Date.now(), teams });
    teams.catch(() => this.cache.delete(tenantId));
    return teams;
  }

  async get(tenantId: string, teamId: string): Promise<TeamView> {
    const team = (await this.list(tenantId)).find((t) => t.id === teamId);
    if (!team) throw new AppError('not_found', 'Team was not found.');
    return team;
  }

  async route(tenantId: string, thread: { courseId?: string; category?: string }) {
    return routeTeam(await this.list(tenantId), thread);
  }

  async create(tenantId: string, input: TeamInput): Promise<TeamView> {
    try {
      const team = await TeamModel.create({ tenantId: objectId(tenantId, 'Tenant'), ...this.fields(input) });
      this.changed(tenantId);
      return toView(team.toObject());
    } catch (error) {
      throw this.duplicate(error);
    }
  }

  async update(tenantId: string, teamId: string, input: TeamInput): Promise<TeamView> {
    try {
      const team = await this.own(tenantId, teamId);
      const result = await TeamModel.updateOne({ _id: team._id }, { $set: this.fields(input) });
      if (!result.matchedCount) throw new AppError('not_found', 'Team was not found.');
    } catch (error) {
      throw this.duplicate(error);
    }
    this.changed(tenantId);
    return this.get(tenantId, teamId);
  }

  /**
   * A course's instructor team, created or brought up to date: its name, members and course. Found by
   * the course it belongs to, so a renamed course keeps its team.
   */
  async syncCourseTeam(
    tenantId: string,
    course: { courseId: string; name: string; memberIds: string[] },
  ): Promise<TeamView> {
    const existing = (await this.list(tenantId)).find((team) => team.courseTeamOf === course.courseId);
    const input = {
      name: course.name,
      memberIds: course.memberIds,
      courseIds: [...new Set([course.courseId, ...(existing?.courseIds ?? [])])],
      categories: existing?.categories ?? [],
    };
    if (existing) return this.update(tenantId, existing.id, input);
    try {
      const team = await TeamModel.create({
        tenantId: objectId(tenantId, 'Tenant'),
        ...this.fields(input),
        courseTeamOf: objectId(course.courseId, 'Course'),
      });
      this.changed(tenantId);
      return toView(team.toObject());
    } catch (error) {
      throw this.duplicate(error);
    }
  }

  async remove(tenantId: string, teamId: string): Promise<void> {
    const team = await this.own(tenantId, teamId);
    const result = await TeamModel.deleteOne({ _id: team._id });
    if (!result.deletedCount) throw new AppError('not_found', 'Team was not found.');
    this.changed(tenantId);
  }

  /** A team of the tenant (read by `_id`, tenant checked in code), or "not found". */
  private async own(tenantId: string, teamId: string): Promise<Team> {
    const team = await findInTenant(TeamModel, objectId(teamId, 'Team'), tenantId);
    if (!team) throw new AppError('not_found', 'Team was not found.');
    return team;
  }

  private fields(input: TeamInput) {
    const ids = (values: string[] | undefined, what: string) =>
      [...new Set(values ?? [])].map((id) => {
        if (!/^[0-9a-f]{24}$/i.test(id)) throw new AppError('bad_request', `${what}: "${id}" is not an id.`);
        return objectId(id);
      });
    return {
      name: input.name.trim(),
      memberIds: ids(input.memberIds, 'memberIds'),
      courseIds: ids(input.courseIds, 'courseIds'),
      categories: [...new Set((input.categories ?? []).map((c) => c.trim()).filter(Boolean))],
    };
  }

  private changed(tenantId: string) {
    this.cache.delete(tenantId);
    this.onChange?.(tenantId);
  }

  private duplicate(error: unknown) {
    if ((error as { code?: number })?.code === 11000)
      return new AppError('conflict', 'A team with that name already exists.');
    return error;
  }
}
