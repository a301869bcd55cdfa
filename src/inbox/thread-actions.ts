import type { ConversationService, TextInput } from '../conversations/conversation.service.js';
import type { ConversationView } from '../conversations/conversation.views.js';
import { findInTenant } from '../db/by-id.js';
import { objectId } from '../events/ids.js';
import { AppError } from '../lib/errors.js';
import { UserModel } from '../users/user.model.js';
import type { AuditLog } from './audit-log.js';
import type { InboxIndex } from './inbox-index.js';
import { type InboxItem, itemFromThread } from './inbox-item.js';
import type { InboxLists } from './inbox-lists.js';
import { ownerOrLead } from './permissions.js';
import type { StaffContext } from './staff-context.js';
import type { TeamService } from './teams.js';
import { actorOf, type ThreadScope } from './thread-scope.js';

/** A reply's or note's body as the route gives it. */
type TextBody = { clientId: string; text: string };

type Conversations = Pick<
  ConversationService,
  'claim' | 'postAdminReply' | 'addNote' | 'transfer' | 'release' | 'handBack' | 'resolve' | 'reopen'
>;

/**
 * What staff do to a thread: each action checks scope (and ownership, from the index), runs one command of
 * the conversation service (which enforces tenant, status and ownership on the document), then records its
 * audit entry and marks the thread read, and answers with the thread's new list item.
 */
export class ThreadActions {
  constructor(
    private readonly deps: {
      conversations: Conversations;
      scope: ThreadScope;
      index: Pick<InboxIndex, 'docs'>;
      teams: Pick<TeamService, 'list' | 'get'>;
      lists: Pick<InboxLists, 'markRead'>;
      audit: AuditLog;
    },
  ) {}

  /** Takes a waiting thread (atomic; a conflict names the owner). */
  async claim(ctx: StaffContext, conversationId: string): Promise<InboxItem> {
    await this.deps.scope.check(ctx, conversationId);
    return this.changeThread(ctx, 'claim', conversationId, {}, () =>
      this.deps.conversations.claim({ tenantId: ctx.tenantId, actor: actorOf(ctx), conversationId }),
    );
  }

  /** The owner's reply to the learner. */
  reply(ctx: StaffContext, conversationId: string, input: TextBody) {
    return this.written(ctx, 'reply', conversationId, input, (text) =>
      this.deps.conversations.postAdminReply(text),
    );
  }

  /** An internal note (any staff member in scope). */
  note(ctx: StaffContext, conversationId: string, input: TextBody) {
    return this.written(ctx, 'note', conversationId, input, (text) => this.deps.conversations.addNote(text));
  }

  /** A text written into a thread in scope by this staff member, audited by its client id. */
  private async written<T>(
    ctx: StaffContext,
    action: 'reply' | 'note',
    conversationId: string,
    input: TextBody,
    write: (text: TextInput) => Promise<T>,
  ): Promise<T> {
    await this.deps.scope.check(ctx, conversationId);
    return this.audited(ctx, action, conversationId, { clientId: input.clientId }, () =>
      write({ tenantId: ctx.tenantId, actor: actorOf(ctx), conversationId, ...input }),
    );
  }

  /** Gives an owned thread to another staff member and/or team (owner, or a lead). */
  async transfer(
    ctx: StaffContext,
    conversationId: string,
    input: { toUserId?: string; teamId?: string; note?: string },
  ): Promise<InboxItem> {
    const asLead = ownerOrLead(ctx, await this.deps.scope.scoped(ctx, conversationId));
    if (input.teamId) await this.deps.teams.get(ctx.tenantId, input.teamId);
    const common = { tenantId: ctx.tenantId, actor: actorOf(ctx), conversationId, note: input.note, asLead };
    let work: () => Promise<ConversationView>;
    if (input.toUserId) {
      const target = await findInTenant(UserModel, objectId(input.toUserId, 'User'), ctx.tenantId);
      if (!target || target.lastRole === 'learner')
        throw new AppError(
          'unprocessable',
          'Conversations can only be transferred to staff of this institution.',
        );
      const to = { userId: input.toUserId, name: target.name ?? target.email };
      work = () => this.deps.conversations.transfer({ ...common, to, teamId: input.teamId });
    } else if (input.teamId) {
      const teamId = input.teamId;
      work = () => this.deps.conversations.release({ ...common, teamId });
    } else throw new AppError('bad_request', 'Choose a person or a team to transfer to.');
    const details = {
      toUserId: input.toUserId,
      teamId: input.teamId,
      ...(input.note ? { note: input.note.slice(0, 500) } : {}),
      asLead,
    };
    return this.changeThread(ctx, 'transfer', conversationId, details, work);
  }

  /** Returns the thread to the bot (owner, or a lead). */
  async handBack(ctx: StaffContext, conversationId: string, input: { note?: string }): Promise<InboxItem> {
    const asLead = ownerOrLead(ctx, await this.deps.scope.scoped(ctx, conversationId));
    return this.changeThread(ctx, 'hand_back', conversationId, { asLead }, () =>
      this.deps.conversations.handBack({
        tenantId: ctx.tenantId,
        actor: actorOf(ctx),
        conversationId,
        note: input.note,
        asLead,
      }),
    );
  }

  /** Closes the thread with an optional resolution category (owner, or a lead). */
  async resolve(
    ctx: StaffContext,
    conversationId: string,
    input: { resolution?: string },
  ): Promise<InboxItem> {
    const asLead = ownerOrLead(ctx, await this.deps.scope.scoped(ctx, conversationId));
    return this.changeThread(ctx, 'resolve', conversationId, { resolution: input.resolution, asLead }, () =>
      this.deps.conversations.resolve({
        tenantId: ctx.tenantId,
        actor: actorOf(ctx),
        conversationId,
        resolution: input.resolution,
        asLead,
      }),
    );
  }

  /** Reopens a resolved thread (back to the queue). */
  async reopen(ctx: StaffContext, conversationId: string, input: { note?: string }): Promise<InboxItem> {
    await this.deps.scope.check(ctx, conversationId);
    return this.changeThread(ctx, 'reopen', conversationId, {}, () =>
      this.deps.conversations.reopen({
        tenantId: ctx.tenantId,
        actor: actorOf(ctx),
        conversationId,
        note: input.note,
      }),
    );
  }

  /**
   * An action and, once it succeeded, its audit entry (written behind: see AuditTrail). The thread is
   * then marked read for the staff member while `present` shapes the answer.
   */
  private async audited<T, R = T>(
    ctx: StaffContext,
    action: string,
    conversationId: string,
    details: Record<string, unknown>,
    work: () => Promise<T>,
    present: (done: T) => R | Promise<R> = (done) => done as unknown as R,
  ): Promise<R> {
    const done = await work();
    this.deps.audit.record(ctx, action, conversationId, details);
    const [answer] = await Promise.all([present(done), this.deps.lists.markRead(ctx, conversationId)]);
    return answer;
  }

  /** {@link audited} for an action that changes the thread: answers with its new list item. */
  private changeThread(
    ctx: StaffContext,
    action: string,
    conversationId: string,
    details: Record<string, unknown>,
    work: () => Promise<ConversationView>,
  ): Promise<InboxItem> {
    return this.audited(ctx, action, conversationId, details, work, (view) => this.itemOf(ctx, view));
  }

  private async itemOf(ctx: StaffContext, view: ConversationView): Promise<InboxItem> {
    const [docs, teams] = await Promise.all([
      this.deps.index.docs(ctx.tenantId, [view.id]),
      this.deps.teams.list(ctx.tenantId),
    ]);
    return itemFromThread(view, docs.get(view.id), Date.now(), teams);
  }
}
