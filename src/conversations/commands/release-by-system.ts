import type { AssigneeRef } from '../../events/catalog.js';
import { type CommandContext, threadCommand } from './context.js';
import { assigneeOf, eventOf, transitionPayload } from './tell.js';
import { transitionTold } from './transition.js';

/**
 * Takes an assigned thread back to the shared queue (an SLA escalation), as the owner's release would:
 * `conversation.released` by the system. Only when `fromAssigneeId` still owns it (else null), so running
 * it twice, or after someone else took the thread, changes nothing.
 */
export const releaseBySystem = threadCommand(
  async (
    ctx: CommandContext,
    input: { tenantId: string; conversationId: string; fromAssigneeId: string; note?: string },
  ): Promise<AssigneeRef | null> => {
    const before = await ctx.store.load(input.tenantId, input.conversationId);
    if (before.status !== 'assigned' || String(before.assigneeId) !== input.fromAssigneeId) return null;
    const previousAssignee = assigneeOf(before);
    await transitionTold(ctx, before, 'release', { unset: ['assigneeId', 'assigneeName'] }, (updated) => ({
      event: eventOf(
        updated,
        'conversation.released',
        { role: 'system' },
        { ...transitionPayload(before, updated, 'release', input.note), previousAssignee },
      ),
    }));
    return previousAssignee ?? null;
  },
);
