import type { EventPayloads } from '../../events/catalog.js';
import { handoffText } from '../../handoff/handoff-messages.catalog.js';
import type { Conversation } from '../conversation.model.js';
import { toConversationView } from '../conversation.presenters.js';
import type { ConversationView } from '../conversation.views.js';
import type { ConversationChange } from '../conversation-store.js';
import type { TransitionAction } from '../status-machine.js';
import type { CommandContext } from './context.js';
import { loadOwned } from './guards.js';
import { eventActor, eventOf, type TransitionPayload, transitionPayload } from './tell.js';
import { transitionTold } from './transition.js';
import type { OwnerInput } from './types.js';

type OwnerEvent =
  | 'conversation.transferred'
  | 'conversation.released'
  | 'conversation.handed_back'
  | 'conversation.resolved';

/** What an owner's action changes and tells. */
export interface OwnerAction<N extends OwnerEvent> {
  action: TransitionAction;
  event: N;
  change: ConversationChange | ((before: Conversation) => ConversationChange);
  payload: (before: Conversation) => Omit<EventPayloads[N], keyof TransitionPayload>;
  line?: 'handedBack' | 'resolved';
}

/**
 * What the owner's actions share (the caller holds the thread's lock): the owner (or a lead) moves the
 * thread, the change is announced as an event, and a system line tells the learner when the action has one.
 */
export async function ownerTransition<N extends OwnerEvent>(
  ctx: CommandContext,
  input: OwnerInput,
  spec: OwnerAction<N>,
): Promise<ConversationView> {
  const before = await loadOwned(ctx.store, input);
  const change = typeof spec.change === 'function' ? spec.change(before) : spec.change;
  const { updated } = await transitionTold(ctx, before, spec.action, change, (updated) => ({
    event: eventOf(updated, spec.event, eventActor(input.actor), {
      ...transitionPayload(before, updated, spec.action, input.note),
      ...spec.payload(before),
    } as EventPayloads[N]),
    ...(spec.line
      ? {
          line: {
            author: 'system' as const,
            text: handoffText(spec.line, updated.locale),
            clientId: `sys:${spec.action}:${updated.version}`,
            kind: 'event' as const,
          },
        }
      : {}),
  }));
  return toConversationView(updated);
}
