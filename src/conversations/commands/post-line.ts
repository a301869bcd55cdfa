import type { EventName, NewEvent } from '../../events/catalog.js';
import type { Conversation } from '../conversation.model.js';
import type { MessageView } from '../conversation.views.js';
import type { CommandContext } from './context.js';
import { eventOf } from './tell.js';

/** A line the product itself writes into a thread: the bot's, or a system line telling of a change. */
export type SystemLine = {
  author: 'bot' | 'system';
  text: string;
  clientId: string;
  kind?: 'message' | 'event';
};

/**
 * A bot or system line (announcement, status line), idempotent by its deterministic client id. `cause`
 * is the event the line reports (a claim, a handoff): stored with the line and its own event in one
 * go, and published just before them; told again when the line already exists (a retried step).
 */
export async function postLine(
  ctx: CommandContext,
  conversation: Conversation,
  line: SystemLine,
  cause?: NewEvent<EventName>,
  alongside?: Promise<unknown>,
): Promise<MessageView> {
  const { author, text, clientId, kind = 'message' } = line;
  const { message } = await ctx.store.appendMessage(
    conversation,
    { author, kind, text, clientId, createdAt: ctx.now() },
    {
      events: (view) => [
        eventOf(
          conversation,
          'message.posted',
          { role: author === 'bot' ? 'bot' : 'system' },
          { message: view },
        ),
      ],
      cause,
      alongside,
    },
  );
  return message;
}
