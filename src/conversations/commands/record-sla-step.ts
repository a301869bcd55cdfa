import type { EventActor, EventPayloads } from '../../events/catalog.js';
import { type CommandContext, threadCommand } from './context.js';
import { eventOf } from './tell.js';

type SlaEvent = 'sla.warned' | 'sla.breached' | 'sla.escalated';

/**
 * A step of a thread's SLA (warning, breach, escalation) recorded as a staff-only system note, with the
 * `sla.*` event that tells of it stored and published alongside. Idempotent by `clientId` (unique per
 * thread): a second call writes and emits nothing and returns false, so a timer that runs twice is told once.
 */
export const recordSlaStep = threadCommand(
  async <N extends SlaEvent>(
    ctx: CommandContext,
    input: {
      tenantId: string;
      conversationId: string;
      clientId: string;
      text: string;
      event: N;
      payload: EventPayloads[N];
    },
  ): Promise<boolean> => {
    const conversation = await ctx.store.load(input.tenantId, input.conversationId);
    const actor: EventActor = { role: 'system' };
    const posted = await ctx.store.appendMessage(
      conversation,
      {
        author: 'system',
        kind: 'note',
        internal: true,
        text: input.text,
        clientId: input.clientId,
        createdAt: ctx.now(),
      },
      {
        events: (view) => [
          eventOf(conversation, input.event, actor, input.payload),
          eventOf(conversation, 'note.added', actor, { message: view }),
        ],
      },
    );
    return !posted.duplicate;
  },
);
