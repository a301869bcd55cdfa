import type { AssigneeRef } from '../../events/catalog.js';
import { objectId } from '../../events/ids.js';
import { threadCommand } from './context.js';
import { ownerTransition } from './owner-transition.js';
import { assigneeOf } from './tell.js';
import type { OwnerInput } from './types.js';

/**
 * Gives an owned thread to another admin (and optionally a team). Only the owner may, unless the caller
 * has already checked a lead permission and passes `asLead`.
 */
export const transfer = threadCommand((ctx, input: OwnerInput & { to: AssigneeRef; teamId?: string }) =>
  ownerTransition(ctx, input, {
    action: 'transfer',
    event: 'conversation.transferred',
    change: {
      set: {
        assigneeId: objectId(input.to.userId, 'User'),
        assigneeName: input.to.name,
        ...(input.teamId ? { teamId: objectId(input.teamId, 'Team') } : {}),
      },
    },
    payload: (before) => ({
      previousAssignee: assigneeOf(before),
      assignee: { userId: input.to.userId, name: input.to.name },
      teamId: input.teamId,
    }),
  }),
);
