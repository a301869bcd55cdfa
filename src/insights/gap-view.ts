import type { MessageView } from '../conversations/conversation.views.js';
import type { TopicReason } from './topic.model.js';

/**
 * Pure parts of the documentation gaps: which questions count, how they group by topic, which staff reply
 * resolved a thread, which bot answers cite a gap's Q&A entry. No database here.
 */

/** Longest staff reply and question shown in the gaps list (the Q&A form gets the whole reply). */
export const REPLY_CLIP = 600;
export const QUESTION_CLIP = 300;

/** Text cut at a word boundary near `max` characters, with an ellipsis when anything was cut. */
export function clip(text: string, max: number): string {
  const flat = text.trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** A gap is a question that reached people or that the bot was unsure of (a thumbs-down alone is not). */
export function isGapQuestion(reasons: readonly TopicReason[]): boolean {
  return reasons.includes('handoff') || reasons.includes('low_confidence');
}

/** One assignment row as the grouping reads it. */
export interface GapRow {
  topicId: string | null;
  conversationId: string;
  question: string;
  at: Date;
}

/** A topic's questions in the range: count, distinct example questions and threads, newest first. */
export interface GapGroup {
  topicId: string | null;
  count: number;
  examples: { question: string; conversationId: string; at: Date }[];
  /** Distinct threads, newest first, with the question each asked (the first row met, i.e. the newest). */
  threads: { conversationId: string; question: string }[];
}

/**
 * Groups rows by topic, busiest first (ties: newest question first); questions without a topic yet form
 * their own group, shown last. Examples are distinct question texts (case- and space-insensitive).
 */
export function groupGaps(rows: readonly GapRow[], options: { maxExamples: number }): GapGroup[] {
  const sorted = [...rows].sort((a, b) => b.at.getTime() - a.at.getTime());
  const groups = new Map<string, GapGroup & { seen: Set<string>; newest: number }>();
  for (const row of sorted) {
    const key = row.topicId ?? '';
    let group = groups.get(key);
    if (!group) {
      group = {
        topicId: row.topicId,
        count: 0,
        examples: [],
        threads: [],
        seen: new Set(),
        newest: row.at.getTime(),
      };
      groups.set(key, group);
    }
    group.count++;
    const norm = row.question.trim().toLowerCase().replace(/\s+/g, ' ');
    if (!group.seen.has(norm) && group.examples.length < options.maxExamples) {
      group.seen.add(norm);
      group.examples.push({ question: row.question, conversationId: row.conversationId, at: row.at });
    }
    if (!group.threads.some((t) => t.conversationId === row.conversationId))
      group.threads.push({ conversationId: row.conversationId, question: row.question });
  }
  return [...groups.values()]
    .sort(
      (a, b) =>
        Number(a.topicId === null) - Number(b.topicId === null) ||
        b.count - a.count ||
        b.newest - a.newest ||
        (a.topicId ?? '').localeCompare(b.topicId ?? ''),
    )
    .map(({ seen: _seen, newest: _newest, ...group }) => group);
}

/**
 * The staff reply that resolved a thread: the last reply a learner saw from staff (not a note, not a status
 * line) at or before the resolution. Undefined when staff resolved without writing.
 */
export function resolvingReply(
  messages: readonly MessageView[],
  resolvedAt: Date | string | undefined,
): MessageView | undefined {
  const until = resolvedAt ? new Date(resolvedAt).getTime() : Number.POSITIVE_INFINITY;
  let found: MessageView | undefined;
  for (const m of messages) {
    if (m.author !== 'admin' || m.kind !== 'message' || m.internal) continue;
    if (new Date(m.createdAt).getTime() > until) continue;
    if (!found || new Date(m.createdAt).getTime() >= new Date(found.createdAt).getTime()) found = m;
  }
  return found;
}

/** The learner's last message before `before` (the question a staff reply answered), if any. */
export function learnerQuestionBefore(
  messages: readonly MessageView[],
  before: string | undefined,
): MessageView | undefined {
  const until = before ? new Date(before).getTime() : Number.POSITIVE_INFINITY;
  let found: MessageView | undefined;
  for (const m of messages) {
    if (m.author !== 'learner' || m.kind !== 'message') continue;
    if (new Date(m.createdAt).getTime() > until) continue;
    found = m;
  }
  return found;
}

/** Where a Q&A entry lives: its path is `qa/<hash of the question>` (see KnowledgeService.addQa). */
export const isQaPath = (path: string | undefined): path is string =>
  typeof path === 'string' && path.startsWith('qa/');

/**
 * The Q&A paths a stored bot answer cites, or none when the message is not a bot answer to a learner
 * (status lines, staff replies, notes, lead-capture lines).
 */
export function citedQaPaths(message: MessageView): string[] {
  if (message.author !== 'bot' || message.kind !== 'message' || message.internal) return [];
  if (!message.clientId.startsWith('bot:')) return [];
  return [...new Set(message.citations.map((c) => c.path).filter(isQaPath))];
}

/**
 * Whether a bot answer counts for a gap's entry: it cites the entry's path, came after the entry was made,
 * and (when the answer's evidence is known) used a passage of that very source, so a course entry and an
 * institution entry of the same question (same path) are told apart. Without evidence, the entry's scope
 * must be visible where the answer was given.
 */
export function answerCountsFor(
  entry: { id: string; path: string; courseId: string | null; createdAt: Date },
  answer: {
    paths: readonly string[];
    at: Date;
    courseId?: string;
    passageSourceIds?: readonly string[];
  },
): boolean {
  if (!answer.paths.includes(entry.path)) return false;
  if (answer.at.getTime() < entry.createdAt.getTime()) return false;
  if (answer.passageSourceIds && answer.passageSourceIds.length > 0)
    return answer.passageSourceIds.includes(entry.id);
  return entry.courseId === null || entry.courseId === answer.courseId;
}
