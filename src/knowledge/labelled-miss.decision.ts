import type { ConversationStatus } from '../conversations/conversation.types.js';

/**
 * A thread as the miss decision reads it: its lines in order, reduced to what matters.
 * - `answer`: a bot answer to a learner question, with the learner's rating if any;
 * - `learner`: anything the learner wrote;
 * - `offer`: the bot's "would you like a person?" line after a weak answer (neither helps nor hurts);
 * - `handoff`: the thread went to people; `humanRequest` when the learner asked for a person (button
 *   or message) — only known for the latest handoff;
 * - `back_to_bot`: the people stretch ended (handed back to the bot, or resolved).
 */
export type ThreadItem =
  | { kind: 'answer'; id: string; feedback?: 'up' | 'down' }
  | { kind: 'learner' }
  | { kind: 'offer' }
  | { kind: 'handoff'; humanRequest?: 'button' | 'message' }
  | { kind: 'back_to_bot' };

/** How the learner said an answer did not help: a thumbs-down, or asking for a person right after it. */
export type MissSignal = 'thumbs_down' | 'asked_for_person';

export interface MissFinding {
  answerId: string;
  signal: MissSignal;
}

export interface MissDecisionInput {
  /** What happened: the thread was handed off, or the learner rated an answer. */
  trigger: 'handoff' | 'rating';
  /** The thread's status now. */
  status: ConversationStatus;
  items: readonly ThreadItem[];
  /** `rating`: the answer that was rated (only it is considered). */
  ratedAnswerId?: string;
}

const WITH_PEOPLE: readonly ConversationStatus[] = ['waiting', 'assigned'];

/**
 * Whether a rating can make a miss at all: only while people have the thread (a thumbs-down given while
 * the bot has it is found by the handoff's own run). Lets the job skip reading the thread otherwise.
 */
export const ratingCanCount = (status: ConversationStatus) => WITH_PEOPLE.includes(status);

/**
 * Which answers of a thread are labelled misses: an answer the learner said did not help, in the stretch
 * of bot answers that ended with the thread's latest handoff. "Did not help" is a thumbs-down (given
 * before the handoff, or after it while people still have the thread), or asking for a person right after
 * the answer (the header's "Talk to a person", or writing that they want one) unless they rated it up.
 * Answers from before an earlier handoff, or rated after the thread went back to the bot, are not.
 * Pure: the job feeds it the thread, and recording is idempotent per answer.
 */
export function findMisses(input: MissDecisionInput): MissFinding[] {
  const { items } = input;
  let handoff = -1;
  for (let i = items.length - 1; i >= 0; i--) {
    if (items[i]?.kind === 'handoff') {
      handoff = i;
      break;
    }
  }
  if (handoff < 0) return [];
  if (input.trigger === 'rating') {
    // A rating counts only while the people stretch of that handoff is still going on.
    if (!ratingCanCount(input.status)) return [];
    if (items.slice(handoff + 1).some((item) => item.kind === 'back_to_bot')) return [];
  }
  // The stretch of bot answers that led to this handoff starts after the previous people stretch.
  let start = 0;
  for (let i = handoff - 1; i >= 0; i--) {
    const kind = items[i]?.kind;
    if (kind === 'back_to_bot' || kind === 'handoff') {
      start = i + 1;
      break;
    }
  }
  const findings: MissFinding[] = [];
  for (const item of items.slice(start, handoff))
    if (item.kind === 'answer' && item.feedback === 'down')
      findings.push({ answerId: item.id, signal: 'thumbs_down' });

  const request = items[handoff];
  if (request?.kind === 'handoff' && request.humanRequest) {
    // The answer the learner read last before asking: skip the offer line and, when they asked in
    // words, their own request message; anything else in between means they had moved on.
    let i = handoff - 1;
    while (i >= start && items[i]?.kind === 'offer') i--;
    if (request.humanRequest === 'message' && items[i]?.kind === 'learner') i--;
    while (i >= start && items[i]?.kind === 'offer') i--;
    const last = i >= start ? items[i] : undefined;
    if (last?.kind === 'answer' && last.feedback !== 'up' && !findings.some((f) => f.answerId === last.id))
      findings.push({ answerId: last.id, signal: 'asked_for_person' });
  }
  return input.trigger === 'rating'
    ? findings.filter((f) => f.answerId === input.ratedAnswerId && f.signal === 'thumbs_down')
    : findings;
}
