import { basename } from 'node:path';
import { describeReason } from '../../handoff/handoff-card.js';
import { splitAnswerText } from '../../knowledge/extractive-answer.service.js';
import type { LabelledMiss, MissLabel } from '../../knowledge/labelled-miss.model.js';
import type { MissPage } from '../../knowledge/labelled-miss.review.js';

/** Longest answer text the review list shows (the rest is in the thread). */
const ANSWER_CHARS = 600;

const LANGUAGE_NAMES: Record<string, string> = {
  en: 'English',
  es: 'Spanish',
  pt: 'Portuguese',
  fr: 'French',
};

/** A missed question as the Knowledge page shows it: raw text (the page writes it as text), no tenant ids. */
export interface MissedQuestionDto {
  id: string;
  question: string;
  /** en, es, pt or fr, and its name. */
  language: string;
  languageName: string;
  role: string;
  answer: {
    /** What the learner read (not the whole section behind "Show the whole section"), clipped. */
    text: string;
    notCovered: boolean;
    /** 0-1, or null when unknown. */
    confidence: number | null;
    sources: { title: string; fileName: string | null; heading: string | null; cited: boolean }[];
  };
  /** How the learner said it did not help. */
  signal: 'thumbs_down' | 'asked_for_person';
  /** Why the thread went to people, in words. */
  reasons: string[];
  handedOffAt: string | null;
  recordedAt: string;
  label: MissLabel | null;
  /** `answerable`: the document the admin chose. */
  labelSource: { id: string; title: string; fileName: string } | null;
  labelledAt: string | null;
  labelledBy: string | null;
}

const clip = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;

export function presentMissedQuestion(miss: LabelledMiss): MissedQuestionDto {
  // Plain text for review: the chat renders **bold**; here the markers would only be noise.
  const shown = splitAnswerText(miss.answer.text)
    .shown.replace(/\*\*(.+?)\*\*/g, '$1')
    .trim();
  return {
    id: String(miss._id),
    question: miss.question,
    language: miss.language,
    languageName: LANGUAGE_NAMES[miss.language] ?? miss.language,
    role: miss.askerRole,
    answer: {
      text: clip(shown, ANSWER_CHARS),
      notCovered: miss.answer.notCovered,
      confidence: typeof miss.answer.confidence === 'number' ? miss.answer.confidence : null,
      sources: miss.answer.sources.map((s) => ({
        title: s.title,
        fileName: s.path && !s.path.startsWith('qa/') ? basename(s.path) : null,
        heading: s.heading ?? null,
        cited: s.cited,
      })),
    },
    signal: miss.signal,
    reasons: (miss.handoffReasons ?? []).map(describeReason),
    handedOffAt: miss.handedOffAt ? new Date(miss.handedOffAt).toISOString() : null,
    recordedAt: new Date(miss.recordedAt).toISOString(),
    label: miss.label ?? null,
    labelSource: miss.labelSource
      ? {
          id: miss.labelSource.sourceId,
          title: miss.labelSource.title,
          fileName: basename(miss.labelSource.path),
        }
      : null,
    labelledAt: miss.labelledAt ? new Date(miss.labelledAt).toISOString() : null,
    labelledBy: miss.labelledBy?.name ?? null,
  };
}

/** A page of the list with its paging figures. */
export function presentMissPage(page: MissPage) {
  return {
    data: page.misses.map(presentMissedQuestion),
    page: page.page,
    perPage: page.perPage,
    total: page.total,
    pageCount: Math.max(1, Math.ceil(page.total / page.perPage)),
    unreviewed: page.unreviewed,
  };
}
