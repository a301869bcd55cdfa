import type { TeamView } from './teams.js';

/** A team's stored fields (ids as strings, already checked). */
export interface TeamFields {
  name: string;
  memberIds: string[];
  courseIds: string[];
  categories: string[];
  /** The course whose instructors (from the LMS) this team is. */
  courseTeamOf?: string;
}

/**
 * Where a tenant's teams are kept. A name already used by another team of the tenant is refused with a
 * `conflict` AppError. The MongoDB adapter is in src/storage/inbox.
 */
export interface TeamStore {
  list(tenantId: string): Promise<TeamView[]>;
  create(tenantId: string, fields: TeamFields): Promise<TeamView>;
  /** False when the tenant has no such team. */
  update(tenantId: string, teamId: string, fields: TeamFields): Promise<boolean>;
  /** False when the tenant has no such team. */
  remove(tenantId: string, teamId: string): Promise<boolean>;
}
