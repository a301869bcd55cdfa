import type { EventName, NewEvent } from '../../events/catalog.js';
import { AppError } from '../../lib/errors.js';
import type { Conversation } from '../conversation.model.js';
import type { MessageView } from '../conversation.views.js';
import type { ConversationChange } from '../conversation-store.js';
import { canTransition, type TransitionAction } from '../status-machine.js';
import type { CommandContext } from './context.js';
import { postLine, type SystemLine } from './post-line.js';

/**
 * The checked status change (pure): the status machine's verdict, the change to write and the document
 * it makes. Callers hold the thread's lock, which is what keeps writers apart, so the result is merged in
 * memory rather than read back.
 */
export function planTransition(
  conversation: Conversation,
  action: TransitionAction,
  change: ConversationChange,
  now: Date,
): { change: ConversationChange; updated: Conversation } {
  const check = canTransition(conversation.status, action);
  if (!check.ok) throw new AppError('conflict', check.reason, { status: conversation.status, action });
  const set = { ...change.set, status: check.to, updatedAt: now, version: conversation.version + 1 };
  const merged: Record<string, unknown> = { ...conversation, ...set };
  for (const field of change.unset ?? []) delete merged[field];
  return { change: { set, unset: change.unset }, updated: merged as unknown as Conversation };
}

/** The one place status changes: checks the status machine, then writes the new status and version. */
export async function transition(
  ctx: CommandContext,
  conversation: Conversation,
  action: TransitionAction,
  change: ConversationChange,
): Promise<Conversation> {
  const planned = planTransition(conversation, action, change, ctx.now());
  await ctx.store.write(conversation, planned.change, planned.updated);
  return planned.updated;
}

/** What tells of a change: its event and, when it has one, a line in the thread. */
type Told<L extends SystemLine | undefined> = { event: NewEvent<EventName>; line?: L };
/** The line as stored: always there when the change is told with a line. */
type StoredLine<L> = L extends SystemLine ? MessageView : MessageView | undefined;

/**
 * A status change with what tells of it (its event and, when it has one, a line in the thread),
 * written side by side: one wait, not three. The events are published once all are stored; should
 * the document write fail, the line is taken back and the events withdrawn, so nothing is half-told.
 */
export async function transitionTold<L extends SystemLine | undefined>(
  ctx: CommandContext,
  conversation: Conversation,
  action: TransitionAction,
  change: ConversationChange,
  tell: (updated: Conversation) => Told<L>,
): Promise<{ updated: Conversation; line: StoredLine<L> }> {
  const planned = planTransition(conversation, action, change, ctx.now());
  const { updated } = planned;
  const { event, line } = tell(updated);
  const written = ctx.store.write(conversation, planned.change, updated);
  if (!line) {
    await ctx.events.emitAlongside([event], written);
    return { updated, line: undefined as StoredLine<L> };
  }
  return { updated, line: (await postLine(ctx, updated, line, event, written)) as StoredLine<L> };
}

/**
 * A plain field update (no status change). The result is merged in memory rather than read back: every
 * write to a thread happens under its lock, so nothing else changed it meanwhile.
 */
export async function update(
  ctx: CommandContext,
  conversation: Conversation,
  set: Record<string, unknown>,
): Promise<Conversation> {
  const updatedAt = ctx.now();
  const next = { ...conversation, ...set, updatedAt } as Conversation;
  await ctx.store.write(conversation, { set: { ...set, updatedAt } }, next);
  return next;
}
