import { threadCommand } from './context.js';
import { ownerTransition } from './owner-transition.js';
import { assigneeOf } from './tell.js';
import type { OwnerInput } from './types.js';

/** The owner returns the thread to the bot, which answers the learner's next message again. */
export const handBack = threadCommand((ctx, input: OwnerInput) =>
  ownerTransition(ctx, input, {
    action: 'hand_back',
    event: 'conversation.handed_back',
    change: { set: { lowConfidenceStreak: 0 }, unset: ['assigneeId', 'assigneeName', 'replyBy'] },
    payload: (before) => ({ previousAssignee: assigneeOf(before) }),
    line: 'handedBack',
  }),
);
