import type { AnyDomainEvent } from '../events/catalog.js';
import type { HandoffReasonCode } from '../handoff/handoff.types.js';

/**
 * What the insights dashboard knows of one thread, folded from the thread's events in order. Small and
 * flat on purpose: a day of a large tenant holds a few hundred of them in one document.
 */
export interface ThreadFacts {
  /** The last event folded in (the tenant's sequence number): an event at or below it is already counted. */
  seq: number;
  courseId?: string;
  /** When the thread started (epoch ms). */
  openedAt: number;
  /** Answers the bot gave (its messages that carry a confidence). */
  answers: number;
  /** Times the thread was handed to people, and every reason any handoff gave (once each). */
  handoffs: number;
  reasons: HandoffReasonCode[];
  /** The first handoff, the first staff reply after it, and the first resolution after it (epoch ms). */
  handedOffAt?: number;
  firstReplyAt?: number;
  resolvedAt?: number;
  /** The learner's latest message (epoch ms): a learner who comes back is not a deflection. */
  lastLearnerAt?: number;
  /** Who holds the thread now (the team and the admin its SLA outcome counts for). */
  teamId?: string;
  assigneeId?: string;
  assigneeName?: string;
  /** The thread ran SLA clocks, and whether any of them breached. */
  slaTracked?: boolean;
  slaBreached?: boolean;
  /** The learner's rating of each rated answer (a changed mind replaces it). */
  ratings?: Record<string, 'up' | 'down'>;
  /** The topic of each of the thread's questions that got one (by assignment id), and its text. */
  topics?: Record<string, { topicId: string; question: string }>;
}

/** The facts of a thread before any of its events (its start from the thread itself). */
export function emptyFacts(openedAt: number, courseId?: string): ThreadFacts {
  return { seq: 0, openedAt, answers: 0, handoffs: 0, reasons: [], ...(courseId ? { courseId } : {}) };
}

/**
 * Folds one event into a thread's facts. Returns the same object when the event was already counted or
 * says nothing the dashboard uses, so a replayed batch changes nothing.
 */
export function foldEvent(facts: ThreadFacts, event: AnyDomainEvent): ThreadFacts {
  if (event.seq <= facts.seq) return facts;
  const at = Date.parse(event.at);
  const next: ThreadFacts = { ...facts, seq: event.seq };
  switch (event.name) {
    case 'conversation.opened':
      next.openedAt = Math.min(facts.openedAt, at);
      if (event.courseId) next.courseId = event.courseId;
      break;
    case 'conversation.handed_off': {
      next.handoffs = facts.handoffs + 1;
      next.handedOffAt = facts.handedOffAt ?? at;
      const codes = new Set([...facts.reasons, ...event.payload.reasons.map((r) => r.code)]);
      next.reasons = [...codes];
      break;
    }
    case 'conversation.claimed':
    case 'conversation.transferred': {
      const { assignee } = event.payload;
      next.assigneeId = assignee.userId;
      if (assignee.name) next.assigneeName = assignee.name;
      if (event.name === 'conversation.transferred' && event.payload.teamId)
        next.teamId = event.payload.teamId;
      break;
    }
    case 'conversation.released':
      delete next.assigneeId;
      delete next.assigneeName;
      if (event.payload.teamId) next.teamId = event.payload.teamId;
      break;
    case 'conversation.resolved':
      if (facts.handedOffAt !== undefined && facts.resolvedAt === undefined) next.resolvedAt = at;
      break;
    case 'message.posted': {
      const { message } = event.payload;
      if (message.internal || message.kind !== 'message') return { ...facts, seq: event.seq };
      if (message.author === 'learner') next.lastLearnerAt = at;
      else if (message.author === 'bot' && message.confidence !== undefined) next.answers = facts.answers + 1;
      else if (
        message.author === 'admin' &&
        facts.handedOffAt !== undefined &&
        facts.firstReplyAt === undefined
      )
        next.firstReplyAt = at;
      break;
    }
    case 'answer.rated':
      next.ratings = { ...facts.ratings, [event.payload.messageId]: event.payload.value };
      break;
    case 'topic.assigned':
      next.topics = {
        ...facts.topics,
        [event.payload.assignmentId]: { topicId: event.payload.topicId, question: event.payload.question },
      };
      break;
    case 'sla.updated':
    case 'sla.warned':
      next.slaTracked = true;
      break;
    case 'sla.breached':
      next.slaTracked = true;
      next.slaBreached = true;
      break;
    default:
      break;
  }
  return next;
}
