import type { Conversation } from '../conversation.model.js';
import type { Actor } from '../conversation.types.js';
import type { CommandContext } from './context.js';
import { eventActor, eventOf } from './tell.js';

/**
 * Marks a bot thread as a lead (a prospect's enquiry, src/leads) with the message's other fields in `set`:
 * the document write (`leadAt`) and `conversation.marked_lead` stored side by side, so the inbox index
 * drops the thread from every list before the request answers (and a failed write withdraws the event).
 * Rare, so the document write is fine. Runs under the thread's lock, like every command.
 */
export async function markLead(
  ctx: CommandContext,
  conversation: Conversation,
  set: Record<string, unknown> & { leadAt: Date },
  actor: Actor,
): Promise<Conversation> {
  const updatedAt = ctx.now();
  const next = { ...conversation, ...set, updatedAt } as Conversation;
  const event = eventOf(next, 'conversation.marked_lead', eventActor(actor), {
    leadAt: set.leadAt.toISOString(),
  });
  await ctx.events.emitAlongside(
    [event],
    ctx.store.write(conversation, { set: { ...set, updatedAt } }, next),
  );
  return next;
}
