import type { EventActor, EventPayloads } from '../../events/catalog.js';
import { type CommandContext, threadCommand } from './context.js';
import { eventOf } from './tell.js';

export type SlaEvent = 'sla.warned' | 'sla.breached' | 'sla.escalated';

/**
 * A step of a thread's SLA (warning, breach, escalation) recorded as a staff-only system note, with the
 * `sla.*` event that tells of it stored and published alongside. Idempotent by `clientId` (unique per
 * thread): a second call writes and emits nothing and returns false, so a timer that runs twice is told once.
 */
/** One SLA step of a thread: its note's client id (unique per thread) and text, and the event that tells of it. */
export interface SlaStepInput<N extends SlaEvent = SlaEvent> {
  tenantId: string;
  conversationId: string;
  clientId: string;
  text: string;
  event: N;
  payload: EventPayloads[N];
}

export const recordSlaStep = threadCommand(
  async (ctx: CommandContext, input: SlaStepInput): Promise<boolean> => {
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
