import { objectId } from '../../events/ids.js';
import { threadCommand } from './context.js';
import { ownerTransition } from './owner-transition.js';
import { assigneeOf } from './tell.js';
import type { OwnerInput } from './types.js';

/** The owner lets go: the thread returns to the shared queue (optionally for a team). */
export const release = threadCommand((ctx, input: OwnerInput & { teamId?: string }) =>
  ownerTransition(ctx, input, {
    action: 'release',
    event: 'conversation.released',
    change: {
      set: input.teamId ? { teamId: objectId(input.teamId, 'Team') } : {},
      unset: ['assigneeId', 'assigneeName'],
    },
    payload: (before) => ({ previousAssignee: assigneeOf(before), teamId: input.teamId }),
  }),
);
