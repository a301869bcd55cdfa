import type { ConversationStatus } from './conversation.types.js';

/**
 * What moves a thread from one status to another. Each transition is recorded as an event naming the
 * action, so "why is this thread waiting?" always has an answer.
 */
export type TransitionAction =
  /** The bot hands the thread to people (button, phrasing, low confidence, keyword rule). */
  | 'handoff'
  /** An admin takes ownership of a waiting thread. */
  | 'claim'
  /** The owner (or a lead) gives the thread to another admin. */
  | 'transfer'
  /** The owner gives up ownership (or transfers to a team): back to the shared queue. */
  | 'release'
  /** The owner returns the thread to the bot. */
  | 'hand_back'
  /** The owner closes the thread. */
  | 'resolve'
  /** An admin reopens a resolved thread. */
  | 'reopen'
  /** The learner writes again within the reopen window. */
  | 'learner_reopen';

/** Every allowed move: action → from → to. Anything not listed is refused. */
const TRANSITIONS: Record<TransitionAction, Partial<Record<ConversationStatus, ConversationStatus>>> = {
  handoff: { bot: 'waiting' },
  claim: { waiting: 'assigned' },
  transfer: { assigned: 'assigned' },
  release: { assigned: 'waiting' },
  hand_back: { assigned: 'bot' },
  resolve: { assigned: 'resolved' },
  reopen: { resolved: 'waiting' },
  learner_reopen: { resolved: 'waiting' },
};

/** The outcome of asking whether a move is allowed; `reason` explains a refusal to the person who tried. */
export type TransitionCheck = { ok: true; to: ConversationStatus } | { ok: false; reason: string };

const REFUSALS: Partial<Record<TransitionAction, Partial<Record<ConversationStatus, string>>>> = {
  handoff: {
    waiting: 'This conversation is already waiting for a person.',
    assigned: 'A person is already handling this conversation.',
    resolved: 'This conversation is resolved; it reopens when the learner writes again.',
  },
  claim: {
    bot: 'This conversation has not been handed off.',
    assigned: 'Someone already owns this conversation.',
    resolved: 'This conversation is resolved; reopen it first.',
  },
  resolve: {
    bot: 'Only a conversation an admin owns can be resolved.',
    waiting: 'Take over this conversation before resolving it.',
    resolved: 'This conversation is already resolved.',
  },
  hand_back: { waiting: 'Take over this conversation before handing it back.' },
};

/** Whether `action` may move a thread from `from` to `to` (omit `to` to ask where it would go). */
export function canTransition(
  from: ConversationStatus,
  action: TransitionAction,
  to?: ConversationStatus,
): TransitionCheck {
  const target = TRANSITIONS[action][from];
  if (target && (to === undefined || to === target)) return { ok: true, to: target };
  const reason =
    REFUSALS[action]?.[from] ??
    (to
      ? `A conversation cannot go from ${from} to ${to} by ${action}.`
      : `Cannot ${action} a ${from} conversation.`);
  return { ok: false, reason };
}

/** The status `action` leads to from `from`, or undefined when the move is refused. */
export function nextStatus(
  from: ConversationStatus,
  action: TransitionAction,
): ConversationStatus | undefined {
  return TRANSITIONS[action][from];
}

/** Statuses in which the bot answers learner messages (never while people are on it). */
export const botAnswersIn = (status: ConversationStatus) => status === 'bot';

/** Every allowed (from, action, to) triple, for documentation and exhaustive tests. */
export function allowedTransitions(): {
  from: ConversationStatus;
  action: TransitionAction;
  to: ConversationStatus;
}[] {
  return Object.entries(TRANSITIONS).flatMap(([action, moves]) =>
    Object.entries(moves).map(([from, to]) => ({
      from: from as ConversationStatus,
      action: action as TransitionAction,
      to: to as ConversationStatus,
    })),
  );
}
