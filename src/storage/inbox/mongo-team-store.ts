import { Types } from 'mongoose';
import { findInTenant } from '../../db/by-id.js';
import { type Team, TeamModel } from '../../inbox/inbox.models.js';
import type { TeamFields, TeamStore } from '../../inbox/team-store.js';
import type { TeamView } from '../../inbox/teams.js';
import { AppError } from '../../lib/errors.js';

const toView = (team: Team): TeamView => ({
  id: String(team._id),
  name: team.name,
  memberIds: (team.memberIds ?? []).map(String),
  courseIds: (team.courseIds ?? []).map(String),
  categories: team.categories ?? [],
  ...(team.courseTeamOf ? { courseTeamOf: String(team.courseTeamOf) } : {}),
});

const ids = (values: readonly string[]) => values.map((id) => new Types.ObjectId(id));

const document = (fields: TeamFields) => ({
  name: fields.name,
  memberIds: ids(fields.memberIds),
  courseIds: ids(fields.courseIds),
  categories: fields.categories,
  ...(fields.courseTeamOf ? { courseTeamOf: new Types.ObjectId(fields.courseTeamOf) } : {}),
});

/** The unique (tenant, name) index refused the write. */
function named(error: unknown): unknown {
  if ((error as { code?: number })?.code === 11000)
    return new AppError('conflict', 'A team with that name already exists.');
  return error;
}

/** Teams in MongoDB (`inbox_teams`); one team is read and written by `_id`, its tenant checked in code. */
export class MongoTeamStore implements TeamStore {
  async list(tenantId: string): Promise<TeamView[]> {
    const rows = await TeamModel.find({ tenantId: new Types.ObjectId(tenantId) }).lean<Team[]>();
    return rows.map(toView);
  }

  async create(tenantId: string, fields: TeamFields): Promise<TeamView> {
    try {
      const team = await TeamModel.create({ tenantId: new Types.ObjectId(tenantId), ...document(fields) });
      return toView(team.toObject());
    } catch (error) {
      throw named(error);
    }
  }

  async update(tenantId: string, teamId: string, fields: TeamFields): Promise<boolean> {
    const team = await findInTenant(TeamModel, teamId, tenantId, { _id: 1 });
    if (!team) return false;
    try {
      const result = await TeamModel.updateOne({ _id: team._id }, { $set: document(fields) });
      return result.matchedCount === 1;
    } catch (error) {
      throw named(error);
    }
  }

  async remove(tenantId: string, teamId: string): Promise<boolean> {
    const team = await findInTenant(TeamModel, teamId, tenantId, { _id: 1 });
    if (!team) return false;
    const result = await TeamModel.deleteOne({ _id: team._id });
    return result.deletedCount === 1;
  }
}
