import type { LaunchContext, MessageCitation } from '../conversations/conversation.types.js';
import type { ProductRole } from '../users/user.model.js';
import type { HandoffCard, HandoffMode, HandoffReason } from './handoff.types.js';
import { detectHumanRequest } from './human-request.js';

/** What the card is built from: plain data the conversation service already has. */
export interface HandoffCardInput {
  /** The learner's recent messages, oldest first. */
  learnerMessages: readonly string[];
  /** The bot's last answer, if any. */
  botAnswer?: { text: string; citations: MessageCitation[]; confidence?: number };
  reasons: HandoffReason[];
  mode: HandoffMode;
  priority: string;
  category?: string;
  user: { userId: string; role: ProductRole; name?: string; email?: string };
  course?: { courseId?: string; title?: string; label?: string };
  lms: LaunchContext & { locale?: string };
  /** "Monday 11:00, New York time" */
  replyByText?: string;
  now?: Date;
}

/** Writes the 2–4 summary lines; a model-backed one can replace the extractive default. */
export type HandoffSummariser = (input: HandoffCardInput, question: string) => Promise<string[]> | string[];

const clip = (text: string, max: number) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
};

/**
 * The question the admin should read: the learner's latest message that is more than a request for a
 * person ("talk to a human" says why, not what). Falls back to the latest message.
 */
export function pickQuestion(messages: readonly string[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const text = messages[i]?.trim() ?? '';
    if (!text) continue;
    const request = detectHumanRequest(text);
    // A message that is mostly the request itself carries no question.
    if (!request || text.length > request.phrase.length + 40) return text;
  }
  return messages.at(-1)?.trim() ?? '';
}

/** Human-readable reasons for the summary line. */
export function describeReason(reason: HandoffReason): string {
  switch (reason.code) {
    case 'human_request':
      return reason.via === 'button'
        ? 'asked for a person (button)'
        : `asked for a person ("${clip(reason.phrase ?? '', 40)}")`;
    case 'low_confidence':
      return `${reason.streak} low-confidence answer${reason.streak === 1 ? '' : 's'} in a row`;
    case 'keyword_rule':
      return `keyword rule ${reason.ruleName ? `"${reason.ruleName}" ` : ''}matched "${clip(reason.matched, 40)}" (${reason.category})`;
    case 'urgent_rule':
      return `urgent rule "${reason.ruleName}"`;
    case 'out_of_hours':
      return 'out of staff hours';
    case 'no_staff_online':
      return 'no admin online';
  }
}

/**
 * The extractive summary: who and where, what they asked, what the bot tried, why it escalated (and when
 * a reply is due). 2–4 lines, each short enough to scan.
 */
export function extractiveSummary(input: HandoffCardInput, question: string): string[] {
  const who = input.user.name ?? 'The user';
  const where = input.course?.label ?? input.course?.title;
  const lms = input.lms.productFamily ? ` on ${input.lms.productFamily}` : '';
  const lines = [
    `${who} (${input.user.role}${where ? `, ${where}` : ''}${lms}) asks: "${clip(question, 160)}"`,
  ];
  if (input.botAnswer) {
    const titles = [...new Set(input.botAnswer.citations.map((c) => c.title))].slice(0, 2);
    const confidence =
      input.botAnswer.confidence === undefined
        ? ''
        : ` (confidence ${Math.round(input.botAnswer.confidence * 100)}%)`;
    lines.push(
      titles.length
        ? `Bot answered from ${titles.map((t) => `"${clip(t, 50)}"`).join(' and ')}${confidence}.`
        : `Bot could not answer from the documentation${confidence}.`,
    );
  } else lines.push('Bot had not answered yet.');
  const reasons = input.reasons.filter((r) => r.code !== 'out_of_hours' && r.code !== 'no_staff_online');
  lines.push(
    `Escalated: ${reasons.map(describeReason).join('; ') || 'handoff'}. Priority ${input.priority}${input.category ? `, ${input.category}` : ''}.`,
  );
  if (input.mode === 'async' && input.replyByText)
    lines.push(
      `Asynchronous: promised a reply by ${input.replyByText}${input.user.email ? ` (${input.user.email})` : ''}.`,
    );
  return lines;
}

/** Builds the card stored with a handoff. The summariser defaults to {@link extractiveSummary}. */
export async function buildHandoffCard(
  input: HandoffCardInput,
  summariser?: HandoffSummariser,
): Promise<HandoffCard> {
  const question = pickQuestion(input.learnerMessages);
  let summary = extractiveSummary(input, question);
  let summarySource: HandoffCard['summarySource'] = 'extractive';
  if (summariser) {
    try {
      const lines = (await summariser(input, question)).map((l) => l.trim()).filter(Boolean);
      // A model summary outside 2–4 lines is not what admins expect; keep the extractive one then.
      if (lines.length >= 2 && lines.length <= 4) {
        summary = lines;
        summarySource = 'model';
      }
    } catch {
      // A failing model must never block a handoff.
    }
  }
  return {
    question,
    botAnswer: input.botAnswer,
    reasons: input.reasons,
    mode: input.mode,
    user: input.user,
    course: input.course,
    lms: input.lms,
    summary,
    summarySource,
    createdAt: input.now ?? new Date(),
  };
}
