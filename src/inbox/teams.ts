import { objectId } from '../events/ids.js';
import { AppError } from '../lib/errors.js';
import type { TeamFields, TeamStore } from './team-store.js';

/** A team as the API shows it: its stored fields and id. */
export interface TeamView extends TeamFields {
  id: string;
}

export interface TeamInput {
  name: string;
  memberIds?: string[];
  courseIds?: string[];
  categories?: string[];
}

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
  private readonly store: TeamStore;
  onChange?: (tenantId: string) => void;

  constructor(private readonly options: { cacheMs?: number; store: TeamStore }) {
    this.store = options.store;
  }

  async list(tenantId: string): Promise<TeamView[]> {
    const cached = this.cache.get(tenantId);
    if (cached && Date.now() - cached.at < (this.options.cacheMs ?? 5000)) return cached.teams;
    objectId(tenantId, 'Tenant');
    const teams = this.store.list(tenantId).then((rows) => rows.sort((a, b) => a.name.localeCompare(b.name)));
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
    const team = await this.store.create(tenantId, this.fields(input));
    this.changed(tenantId);
    return team;
  }

  async update(tenantId: string, teamId: string, input: TeamInput): Promise<TeamView> {
    objectId(teamId, 'Team');
    if (!(await this.store.update(tenantId, teamId, this.fields(input))))
      throw new AppError('not_found', 'Team was not found.');
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
    objectId(course.courseId, 'Course');
    const team = await this.store.create(tenantId, { ...this.fields(input), courseTeamOf: course.courseId });
    this.changed(tenantId);
    return team;
  }

  async remove(tenantId: string, teamId: string): Promise<void> {
    objectId(teamId, 'Team');
    if (!(await this.store.remove(tenantId, teamId))) throw new AppError('not_found', 'Team was not found.');
    this.changed(tenantId);
  }

  private fields(input: TeamInput): TeamFields {
    const ids = (values: string[] | undefined, what: string) =>
      [...new Set(values ?? [])].map((id) => {
        if (!/^[0-9a-f]{24}$/i.test(id)) throw new AppError('bad_request', `${what}: "${id}" is not an id.`);
        return id;
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
}
