import type { ConversationView } from '../conversations/conversation.views.js';
import { AppError } from '../lib/errors.js';
import type { StaffContext } from './staff-context.js';

/** What the thread page offers this staff member. */
export interface Permissions {
  canReply: boolean;
  canClaim: boolean;
  canTransfer: boolean;
  canResolve: boolean;
  canHandBack: boolean;
  canReopen: boolean;
  isLead: boolean;
}

export function permissionsOf(
  ctx: StaffContext,
  view: Pick<ConversationView, 'status' | 'assigneeId'>,
): Permissions {
  const owner = view.status === 'assigned' && view.assigneeId === ctx.userId;
  const ownerOrLead = view.status === 'assigned' && (owner || ctx.isLead);
  return {
    canReply: owner,
    canClaim: view.status === 'waiting',
    canTransfer: ownerOrLead,
    canResolve: ownerOrLead,
    canHandBack: ownerOrLead,
    canReopen: view.status === 'resolved',
    isLead: ctx.isLead,
  };
}

export function requireLead(ctx: StaffContext): void {
  if (!ctx.isLead) throw new AppError('forbidden', 'Only inbox leads can do this.');
}

/**
 * Whether an action on someone else's thread is taken as a lead: the owner acts as such (false); anyone
 * else needs the lead permission (refused otherwise, naming the owner).
 */
export function ownerOrLead(
  ctx: StaffContext,
  view: Pick<ConversationView, 'status' | 'assigneeId' | 'assigneeName'>,
): boolean {
  if (view.status !== 'assigned' || view.assigneeId === ctx.userId) return false;
  if (ctx.isLead) return true;
  throw new AppError(
    'forbidden',
    `${view.assigneeName ?? 'Another admin'} owns this conversation; ask them or an inbox lead.`,
  );
}
