import { objectId } from '../../events/ids.js';
import { computePriority } from '../../handoff/priority.js';
import type { Conversation } from '../conversation.model.js';
import type { CommandContext } from './context.js';
import { emit, eventActor } from './tell.js';
import type { OpenInput } from './types.js';

/**
 * Opens a new thread with the bot for a person in a course, or returns the open one a concurrent call
 * made (the unique open key lets one insert). `looked`: the caller has just looked for an open thread.
 */
export async function openThread(
  ctx: CommandContext,
  input: OpenInput,
  openKey: string,
  options: { looked?: boolean } = {},
): Promise<{ conversation: Conversation; created: boolean }> {
  const now = ctx.now();
  const doc = {
    tenantId: objectId(input.tenantId, 'Tenant'),
    ...(input.courseId ? { courseId: objectId(input.courseId, 'Course') } : {}),
    user: {
      userId: objectId(input.actor.userId, 'User'),
      role: input.actor.role,
      ...(input.actor.name ? { name: input.actor.name } : {}),
      ...(input.email ? { email: input.email } : {}),
    },
    status: 'bot',
    priority: computePriority({ role: input.actor.role, categories: [], rulePriorities: [], urgentRules: [] })
      .priority,
    openKey,
    lastMessageAt: now,
    lowConfidenceStreak: 0,
    version: 0,
    locale: input.locale ?? 'en',
    context: input.context ?? {},
    createdAt: now,
    updatedAt: now,
  } as Omit<Conversation, '_id'>;
  const opened = await ctx.store.insertOpen(doc, { looked: options.looked ?? false });
  if (opened.created)
    await emit(ctx, opened.conversation, 'conversation.opened', eventActor(input.actor), {
      status: 'bot',
      priority: opened.conversation.priority,
      userId: input.actor.userId,
      role: input.actor.role,
    });
  return opened;
}
