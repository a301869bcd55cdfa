import type { Priority } from '../conversation.types.js';
import { PRIORITY_RANK } from '../conversation.types.js';
import { type CommandContext, threadCommand } from './context.js';
import { emit } from './tell.js';
import { update } from './transition.js';

/**
 * Raises a waiting or assigned thread's priority to at least `to` (an SLA escalation), told as
 * `conversation.triaged` like any priority change. Returns the new priority, or null when nothing changed
 * (already that urgent, or no longer with people): running it twice raises once.
 */
export const raisePriorityBySystem = threadCommand(
  async (
    ctx: CommandContext,
    input: { tenantId: string; conversationId: string; to: Priority },
  ): Promise<Priority | null> => {
    const conversation = await ctx.store.load(input.tenantId, input.conversationId);
    if (conversation.status !== 'waiting' && conversation.status !== 'assigned') return null;
    if (PRIORITY_RANK[conversation.priority] >= PRIORITY_RANK[input.to]) return null;
    const updated = await update(ctx, conversation, { priority: input.to });
    await emit(
      ctx,
      updated,
      'conversation.triaged',
      { role: 'system' },
      { priority: input.to, category: updated.category, reasons: [], notify: [] },
    );
    return input.to;
  },
);
