import { objectId } from '../events/ids.js';
import type { Logger } from '../lib/logger.js';
import { UserModel } from '../users/user.model.js';
import type { InboxPresence, PresencePerson, PresenceState } from './presence.js';
import type { StaffContext } from './staff-context.js';
import type { TeamService } from './teams.js';
import type { ThreadScope } from './thread-scope.js';

/** The tenant's staff: who is there to transfer to, who has the inbox open, who views which thread. */
export class StaffDirectory {
  constructor(
    private readonly deps: {
      scope: Pick<ThreadScope, 'scoped'>;
      teams: Pick<TeamService, 'list'>;
      /** Thread visits, and admins opening and closing the inbox ("is anyone watching?" for handoffs). */
      presence: Pick<InboxPresence, 'visit' | 'openedInbox' | 'closedInbox'>;
      logger?: Logger;
    },
  ) {}

  /** Transfer targets: the tenant's admins and instructors, and its teams. */
  async staff(
    ctx: StaffContext,
  ): Promise<{ staff: PresencePerson[]; teams: Array<{ id: string; name: string }> }> {
    const [users, teams] = await Promise.all([
      UserModel.find(
        { tenantId: objectId(ctx.tenantId, 'Tenant'), lastRole: { $in: ['admin', 'instructor'] } },
        { name: 1, email: 1 },
      )
        .limit(1000)
        .lean(),
      this.deps.teams.list(ctx.tenantId),
    ]);
    return {
      staff: users
        .map((u) => ({ userId: String(u._id), name: u.name ?? u.email }))
        .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '')),
      teams: teams.map((t) => ({ id: t.id, name: t.name })),
    };
  }

  /**
   * An admin has the inbox open (live channel connected, or a heartbeat): handoffs are live while one
   * is. Instructors do not count (they watch one course, not the institution's queue).
   */
  async watching(ctx: StaffContext, open: boolean): Promise<void> {
    const { presence } = this.deps;
    if (ctx.role !== 'admin') return;
    try {
      if (open) await presence.openedInbox(ctx.tenantId, ctx.userId);
      else await presence.closedInbox(ctx.tenantId, ctx.userId);
    } catch (error) {
      this.deps.logger?.warn({ err: error }, 'staff presence not recorded');
    }
  }

  /** A heartbeat from an open thread (viewing, typing). */
  async visit(ctx: StaffContext, conversationId: string, typing: boolean): Promise<PresenceState> {
    await this.watching(ctx, true);
    const view = await this.deps.scope.scoped(ctx, conversationId);
    return this.deps.presence.visit({
      tenantId: ctx.tenantId,
      conversationId,
      courseId: view.courseId,
      person: { userId: ctx.userId, ...(ctx.name ? { name: ctx.name } : {}) },
      typing,
    });
  }
}
