import type { ConversationService } from '../conversations/conversation.service.js';
import type { Actor } from '../conversations/conversation.types.js';
import type { ConversationView } from '../conversations/conversation.views.js';
import { objectId } from '../events/ids.js';
import { AppError } from '../lib/errors.js';
import type { InboxIndex } from './inbox-index.js';
import type { StaffContext } from './staff-context.js';

/** The thread fields an action decides by before it runs. */
export type ScopedThread = Pick<ConversationView, 'status' | 'assigneeId' | 'assigneeName' | 'courseId'>;

/** The staff member as the conversation service records them. */
export const actorOf = (ctx: StaffContext): Actor => ({
  userId: ctx.userId,
  role: ctx.role,
  ...(ctx.name ? { name: ctx.name } : {}),
});

/**
 * Which threads a staff member reaches: their tenant's (enforced by the conversation service on the
 * document), and for instructors only their course's. Anything outside is "not found".
 */
export class ThreadScope {
  constructor(
    private readonly deps: {
      conversations: Pick<ConversationService, 'get'>;
      index: Pick<InboxIndex, 'docs'>;
    },
  ) {}

  /** A thread in scope, or "not found" (another tenant, another course for instructors, or no such id). */
  async load(ctx: StaffContext, conversationId: string): Promise<ConversationView> {
    // Through the conversation service: its Redis copy of the thread, which opening the thread warms
    // for the take-over that usually follows.
    const view = await this.deps.conversations.get({
      tenantId: ctx.tenantId,
      actor: actorOf(ctx),
      conversationId: objectId(conversationId, 'Conversation').toHexString(),
    });
    if (ctx.role === 'instructor' && (!ctx.courseId || (view.courseId ?? '') !== ctx.courseId))
      throw new AppError('not_found', 'Conversation was not found.');
    return view;
  }

  /**
   * The scope check of an action that needs nothing else up front: an instructor is held to their
   * course (from the index); an admin's tenant is enforced on the document by the conversation service.
   */
  async check(ctx: StaffContext, conversationId: string): Promise<void> {
    objectId(conversationId, 'Conversation');
    if (ctx.role === 'instructor') await this.scoped(ctx, conversationId);
  }

  /**
   * Scope and ownership before an action, from the index (a document read costs a scan on FerretDB);
   * the document itself when the index has no entry. The conversation service enforces the tenant, the
   * status and ownership again on the document, so an index a moment behind can only refuse, never allow.
   */
  async scoped(ctx: StaffContext, conversationId: string): Promise<ScopedThread> {
    objectId(conversationId, 'Conversation');
    const doc = (await this.deps.index.docs(ctx.tenantId, [conversationId])).get(conversationId);
    if (!doc) return this.load(ctx, conversationId);
    if (ctx.role === 'instructor' && (!ctx.courseId || doc.c !== ctx.courseId))
      throw new AppError('not_found', 'Conversation was not found.');
    return { status: doc.s, assigneeId: doc.a, assigneeName: doc.an, courseId: doc.c };
  }
}
