import type { Gap, GapDraft, GapEntry } from '../../insights/gap.service.js';

/** An entry made from a gap, as the page shows it (raw text: the page sets it with textContent). */
export interface GapEntryDto {
  id: string;
  question: string;
  scope: 'course' | 'institution';
  conversationId: string;
  topicId: string | null;
  createdAt: string;
  /** Later learner questions the bot answered from it. */
  answered: number;
}

export interface GapDto {
  topicId: string | null;
  /** null: the questions still wait for a topic (the page says so). */
  label: string | null;
  terms: string[];
  count: number;
  examples: { question: string; conversationId: string; at: string }[];
  threads: {
    conversationId: string;
    inboxUrl: string;
    courseTitle?: string;
    question: string;
    resolvedAt?: string;
    reply: { text: string; authorName?: string; at: string };
    entry?: GapEntryDto;
  }[];
  entries: GapEntryDto[];
}

const inboxUrl = (conversationId: string) => `/inbox#conversation=${encodeURIComponent(conversationId)}`;

export function presentGapEntry(e: GapEntry): GapEntryDto {
  return {
    id: e.id,
    question: e.question,
    scope: e.courseId ? 'course' : 'institution',
    conversationId: e.conversationId,
    topicId: e.topicId,
    createdAt: e.createdAt.toISOString(),
    answered: e.answered,
  };
}

export function presentGaps(
  result: { gaps: Gap[]; questions: number },
  scope: { from: string; to: string; courseId?: string },
) {
  return {
    from: scope.from,
    to: scope.to,
    courseId: scope.courseId ?? null,
    questions: result.questions,
    gaps: result.gaps.map(
      (g): GapDto => ({
        topicId: g.topicId,
        label: g.label,
        terms: g.terms,
        count: g.count,
        examples: g.examples.map((e) => ({
          question: e.question,
          conversationId: e.conversationId,
          at: e.at.toISOString(),
        })),
        threads: g.threads.map((t) => ({
          conversationId: t.conversationId,
          inboxUrl: inboxUrl(t.conversationId),
          ...(t.courseTitle ? { courseTitle: t.courseTitle } : {}),
          question: t.question,
          ...(t.resolvedAt ? { resolvedAt: t.resolvedAt.toISOString() } : {}),
          reply: {
            text: t.reply.text,
            ...(t.reply.authorName ? { authorName: t.reply.authorName } : {}),
            at: t.reply.at.toISOString(),
          },
          ...(t.entry ? { entry: presentGapEntry(t.entry) } : {}),
        })),
        entries: g.entries.map(presentGapEntry),
      }),
    ),
  };
}

export function presentGapDraft(d: GapDraft) {
  return {
    conversationId: d.conversationId,
    inboxUrl: inboxUrl(d.conversationId),
    hasCourse: Boolean(d.courseId),
    ...(d.courseTitle ? { courseTitle: d.courseTitle } : {}),
    topicId: d.topicId,
    question: d.question,
    answer: d.answer,
    ...(d.entry ? { entry: presentGapEntry(d.entry) } : {}),
  };
}
