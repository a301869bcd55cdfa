import type { EventEmitter } from '../../events/event-bus.js';
import type { HandoffConfigService } from '../../handoff/handoff-config.service.js';
import type { StaffPresence } from '../../handoff/staff-presence.js';
import type { Logger } from '../../lib/logger.js';
import type { ReplyPolicyProvider } from '../../sla/reply-policy.js';
import type { ConversationStore } from '../conversation-store.js';

/** What every command and query of a thread works with. */
export interface CommandContext {
  store: ConversationStore;
  events: EventEmitter;
  config: HandoffConfigService;
  replyPolicies: ReplyPolicyProvider;
  presence: StaffPresence;
  logger?: Logger;
  /** The clock (tests move it). */
  now: () => Date;
  /** config MESSAGE_MAX_CHARS: the longest message a person may write (a tenant may set less for learners). */
  messageMaxChars: number;
}

/**
 * A command that runs under its thread's lock (FerretDB does not make concurrent updates atomic): the
 * store holds the lock, with the thread's Redis copy taken in the same round trip, for the whole action.
 */
export function threadCommand<I extends { conversationId: string }, R>(
  run: (ctx: CommandContext, input: I) => Promise<R>,
): (ctx: CommandContext, input: I) => Promise<R> {
  return (ctx, input) => ctx.store.withThread(input.conversationId, () => run(ctx, input));
}
