import { objectId } from '../events/ids.js';
import { AppError } from '../lib/errors.js';
import type { AuditLog } from './audit-log.js';
import { firstNameOf, renderCanned } from './canned-render.js';
import type { CannedReplyStore } from './canned-reply-store.js';
import type { StaffContext, StaffContexts } from './staff-context.js';
import type { ThreadScope } from './thread-scope.js';

const notFound = () => new AppError('not_found', 'Canned reply was not found.');

export interface CannedView {
  id: string;
  title: string;
  text: string;
}

export interface CannedInput {
  title: string;
  text: string;
}

/** The tenant's saved replies: listed for every staff member, managed by leads, filled in for a thread. */
export class CannedReplies {
  constructor(
    private readonly deps: {
      store: CannedReplyStore;
      scope: Pick<ThreadScope, 'load'>;
      people: Pick<StaffContexts, 'person'>;
      audit: AuditLog;
    },
  ) {}

  async list(ctx: StaffContext): Promise<CannedView[]> {
    const rows = await this.deps.store.list(ctx.tenantId);
    return rows.sort((a, b) => a.title.localeCompare(b.title));
  }

  create(ctx: StaffContext, input: CannedInput): Promise<CannedView> {
    return this.deps.audit.leadChange(
      ctx,
      'canned_reply.create',
      () => this.deps.store.create(ctx.tenantId, input),
      (row) => ({ id: row.id, title: input.title }),
    );
  }

  update(ctx: StaffContext, id: string, input: CannedInput): Promise<CannedView> {
    return this.deps.audit.leadChange(
      ctx,
      'canned_reply.update',
      async () => {
        if (!(await this.deps.store.update(ctx.tenantId, objectId(id, 'Canned reply').toHexString(), input)))
          throw notFound();
        return { id, ...input };
      },
      () => ({ id, title: input.title }),
    );
  }

  remove(ctx: StaffContext, id: string): Promise<void> {
    return this.deps.audit.leadChange(
      ctx,
      'canned_reply.delete',
      async () => {
        if (!(await this.deps.store.remove(ctx.tenantId, objectId(id, 'Canned reply').toHexString())))
          throw notFound();
      },
      () => ({ id }),
    );
  }

  /** A canned reply with the thread's learner, course and this staff member filled in. */
  async render(ctx: StaffContext, id: string, conversationId: string): Promise<{ text: string }> {
    const [row, view] = await Promise.all([this.own(ctx, id), this.deps.scope.load(ctx, conversationId)]);
    const learner = await this.deps.people.person(ctx.tenantId, view.user.userId);
    const name = view.user.name ?? learner?.name;
    return {
      text: renderCanned(row.text, {
        learner: { firstName: learner?.givenName ?? firstNameOf(name), name },
        course: { title: view.context?.courseTitle ?? view.handoff?.course?.title },
        admin: { name: ctx.name },
      }),
    };
  }

  /** A reply of the tenant, or "not found". */
  private async own(ctx: StaffContext, id: string): Promise<CannedView> {
    const row = await this.deps.store.find(ctx.tenantId, objectId(id, 'Canned reply').toHexString());
    if (!row) throw notFound();
    return row;
  }
}
