import { objectId } from '../../events/ids.js';
import { AppError } from '../../lib/errors.js';
import type { Conversation } from '../conversation.model.js';
import type { MessageView } from '../conversation.views.js';
import type { CommandContext } from './context.js';
import { eventActor, eventOf } from './tell.js';
import type { TextInput } from './types.js';

/**
 * A staff member's reply or internal note (the caller holds the lock and checked who may write). A retry
 * with the same client id returns the first; a reply moves the thread's last activity.
 */
export async function postStaffMessage(
  ctx: CommandContext,
  conversation: Conversation,
  input: TextInput,
  kind: 'message' | 'note',
): Promise<MessageView> {
  const text = input.text.trim();
  if (!text) throw new AppError('bad_request', 'Please write a message first.');
  const actor = eventActor(input.actor);
  const posted = await ctx.store.appendMessage(
    conversation,
    {
      author: 'admin',
      authorId: objectId(input.actor.userId, 'User'),
      authorName: input.actor.name,
      kind,
      text,
      clientId: input.clientId,
      internal: kind === 'note',
      createdAt: ctx.now(),
    },
    {
      events: (view) => [
        eventOf(conversation, kind === 'note' ? 'note.added' : 'message.posted', actor, { message: view }),
      ],
    },
  );
  if (kind === 'message' && !posted.duplicate) {
    const lastMessageAt = new Date(posted.message.createdAt);
    await ctx.store.write(conversation, { set: { lastMessageAt } }, { ...conversation, lastMessageAt });
  }
  return posted.message;
}
