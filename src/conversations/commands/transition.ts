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

type Tell = (updated: Conversation) => { event: NewEvent<EventName>; line?: SystemLine };

/**
 * A status change with what tells of it (its event and, when it has one, a line in the thread),
 * written side by side: one wait, not three. The events are published once all are stored; should
 * the document write fail, the line is taken back and the events withdrawn, so nothing is half-told.
 */
export async function transitionTold(
  ctx: CommandContext,
  conversation: Conversation,
  action: TransitionAction,
  change: ConversationChange,
  tell: (updated: Conversation) => { event: NewEvent<EventName>; line: SystemLine },
): Promise<{ updated: Conversation; line: MessageView }>;
export async function transitionTold(
  ctx: CommandContext,
  conversation: Conversation,
  action: TransitionAction,
  change: ConversationChange,
  tell: Tell,
): Promise<{ updated: Conversation; line?: MessageView }>;
export async function transitionTold(
  ctx: CommandContext,
  conversation: Conversation,
  action: TransitionAction,
  change: ConversationChange,
  tell: Tell,
): Promise<{ updated: Conversation; line?: MessageView }> {
  const planned = planTransition(conversation, action, change, ctx.now());
  const { updated } = planned;
  const { event, line } = tell(updated);
  const written = ctx.store.write(conversation, planned.change, updated);
  if (!line) {
    await ctx.events.emitAlongside([event], written);
    return { updated };
  }
  return { updated, line: await postLine(ctx, updated, line, event, written) };
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
