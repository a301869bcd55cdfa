import {
  ANSWER_LOCALES,
  type AnswerLocale,
  type AnswerStrings,
  answerStrings,
  detectAnswerLanguage,
  fill,
  resolveAnswerLocale,
} from './answer-strings.catalog.js';
import { withoutInstructions } from './instruction-filter.js';
import { analyze, foldText, tokenize } from './text-analysis.service.js';

/** A passage an answer may be built from. */
export interface AnswerPassage {
  chunkId: string;
  sourceId: string;
  title: string;
  heading: string;
  path: string;
  text: string;
  ordinal: number;
}

/** A numbered reference from the answer text to a document. */
export interface Citation {
  index: number;
  sourceId: string;
  title: string;
  heading: string;
  path: string;
}

/** An answer ready to show. */
export interface Answer {
  /**
   * The answer as the chat shows it: the short answer, its source line, and — after
   * {@link SECTION_MARKER} — the whole section for "Show the whole section" (see {@link splitAnswerText}).
   */
  text: string;
  citations: Citation[];
}

/** Options for {@link buildExtractiveAnswer}. */
export interface ExtractiveAnswerOptions {
  /** UI locale ('en', 'es-MX'…): the framing language when the question's own language is unclear. */
  locale?: string;
  /** The learner's question: picks the sentences or steps that answer it, and the framing language. */
  question?: string;
  /**
   * Soft length of the short answer in words: sentences are added around the best one up to this.
   * A single list or sentence that answers is kept whole even when longer. Default 120.
   */
  maxWords?: number;
  /** Most sentences (or table rows) in a short answer, lists counting as one. Default 3. */
  maxSentences?: number;
}

/**
 * Separates what the chat shows at once from the whole section it shows on request. Chosen to read
 * naturally where an answer is shown as plain text (the inbox, the model's history): a rule, then the
 * label, then the section.
 */
export const SECTION_MARKER = '\n\n---\n';

/** An answer's text split into what is shown at once and the section behind "Show the whole section". */
export interface AnswerParts {
  shown: string;
  section?: { label: string; text: string };
}

const SECTION_LABELS = new Set(ANSWER_LOCALES.map((locale) => answerStrings(locale).wholeSection));

/** Splits an answer's text at {@link SECTION_MARKER} (answers without one are all `shown`). */
export function splitAnswerText(text: string): AnswerParts {
  const at = text.indexOf(SECTION_MARKER);
  if (at < 0) return { shown: text };
  const rest = text.slice(at + SECTION_MARKER.length);
  const newline = rest.indexOf('\n');
  // Only a label of ours opens a section: a model's answer may contain a Markdown rule.
  if (newline < 0 || !SECTION_LABELS.has(rest.slice(0, newline).trim())) return { shown: text };
  return {
    shown: text.slice(0, at),
    section: { label: rest.slice(0, newline).trim(), text: rest.slice(newline + 1) },
  };
}

/** Words in a text, numbers and "don't" or "1.3" counting once. */
function wordCount(text: string): number {
  return text.match(/[\p{L}\p{N}]+(?:['’.][\p{L}\p{N}]+)*/gu)?.length ?? 0;
}

const LIST_ITEM = /^\s{0,6}(?:[-*+]|\d{1,3}[.)])\s+\S/;
const NUMBERED_ITEM = /^\s{0,6}\d{1,3}[.)]\s+\S/m;
const INDENTED = /^(?: {2,}|\t)\S/;
const TABLE_ROW = /^\s*\|/;
const TABLE_RULE = /^\s*\|?\s*:?-{3,}/;
const FENCE = /^ {0,3}(```|~~~)/;
// A sentence that leans on the one before it ("This…", "It…") is not shown without it.
const LEANS_BACK = /^(?:this|that|these|those|it|they|then|however|also|otherwise|in this case)\b/i;
// Questions asking for a procedure prefer a numbered list when the section has one.
const ASKS_HOW =
  /\b(?:how|steps?|c[oó]mo|pasos?|passos?|comment|[ée]tapes?|procedure|procedimiento|procedimento|proc[ée]dure)\b/i;

const SEE_ALSO = /^\W*(?:see also|related (?:topics|articles|pages))\b/i;

type UnitKind = 'sentence' | 'list' | 'item' | 'row' | 'code';

/** A piece of a section that is shown whole or not at all. */
interface Unit {
  kind: UnitKind;
  text: string;
  /** Units of one paragraph are joined with a space, others with a blank line. */
  paragraph: number;
  words: number;
  tokens: string[];
  /** For a list: the sentence leading into it, if it was joined to it. */
  leadIn?: string;
}

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

function sentencesOf(paragraph: string): string[] {
  const flat = paragraph.replace(/\s*\n\s*/g, ' ').trim();
  return [...segmenter.segment(flat)].map((s) => s.segment.trim()).filter((s) => /[\p{L}\p{N}]/u.test(s));
}

/** Paragraphs of a section, fenced code kept whole. */
function paragraphsOf(text: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let inFence = false;
  const flush = () => {
    if (current.some((l) => l.trim())) out.push(current.join('\n').replace(/\s+$/, ''));
    current = [];
  };
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (FENCE.test(line)) inFence = !inFence;
    if (!inFence && line.trim() === '') flush();
    else current.push(line);
  }
  flush();
  return out;
}

/**
 * Cuts a section into units: sentences, whole lists (with the sentence that leads into them, when it
 * ends with a colon or is a short paragraph of its own), table rows, and fenced code.
 */
function unitsOf(section: string): Unit[] {
  const units: Unit[] = [];
  const add = (kind: UnitKind, text: string, paragraph: number) => {
    if (!/[\p{L}\p{N}]/u.test(text)) return; // rules, empty quotes
    units.push({ kind, text, paragraph, words: wordCount(text), tokens: tokenize(text) });
  };
  const paragraphs = paragraphsOf(section);
  let listOpen = false;
  paragraphs.forEach((raw, index) => {
    const paragraph = raw.replace(/^\s*>\s?/gm, ''); // quoted notes read as ordinary text
    const last = units.at(-1);
    if (listOpen && last?.kind === 'list' && (LIST_ITEM.test(paragraph) || INDENTED.test(raw))) {
      // Items and indented continuations separated by blank lines are still one list.
      last.text += `\n\n${raw}`;
      last.words = wordCount(last.text);
      last.tokens = tokenize(last.text);
      return;
    }
    listOpen = false;
    if (FENCE.test(raw)) {
      add('code', raw, index);
      return;
    }
    if (LIST_ITEM.test(paragraph)) {
      listOpen = true;
      const leadIn = last && last.kind === 'sentence' && last.paragraph === index - 1 ? last : undefined;
      const previousParagraph = paragraphs[index - 1] ?? '';
      if (leadIn && (/:\s*$/.test(leadIn.text) || previousParagraph.length <= 300)) {
        units.pop();
        add('list', `${leadIn.text}\n\n${raw}`, index);
        (units.at(-1) as Unit).leadIn = leadIn.text;
      } else add('list', raw, index);
      return;
    }
    if (TABLE_ROW.test(paragraph)) {
      // Data rows only: a header row ("| Setting | Guidance |", the one above the rule) says nothing alone.
      const lines = paragraph.split('\n');
      const isRule = (line?: string) => line !== undefined && TABLE_RULE.test(line.replace(/^\s*\|/, ''));
      lines.forEach((line, i) => {
        if (TABLE_ROW.test(line) && !isRule(line) && !isRule(lines[i + 1])) add('row', line.trim(), index);
      });
      return;
    }
    for (const sentence of sentencesOf(paragraph)) add('sentence', sentence, index);
  });
  return units.flatMap(splitDefinitionList);
}

const TOP_ITEM = /^ {0,3}(?:[-*+]|\d{1,3}[.)])\s+/;
const BULLET_ITEM = /^ {0,3}[-*+]\s+/;
// "8. **Show captions**: You can…", "- **Term:** …", or a bold line of its own followed by its text.
const DEFINED_TERM = /^ {0,3}(?:[-*+]|\d{1,3}[.)])\s+\*\*[^*\n]+(?:\*\*\s*:|:\*\*|\*\*\s*(?:\n|$))/;
// Bulleted items this long are paragraphs of their own (descriptions, cases), not steps.
const PARAGRAPH_ITEM_WORDS = 40;

/**
 * Lists that are references rather than steps have items that stand alone, so each item is a unit of
 * its own: a list whose every item defines a term ("8. **Show captions**: You can…"), or a bulleted list
 * whose items are paragraphs (over 40 words on average). Every other list — numbered steps above all —
 * stays one unit, shown whole or not at all.
 */
function splitDefinitionList(unit: Unit): Unit[] {
  if (unit.kind !== 'list') return [unit];
  const body = unit.leadIn ? unit.text.slice(unit.leadIn.length).replace(/^\s+/, '') : unit.text;
  const items: string[] = [];
  for (const line of body.split('\n')) {
    if (TOP_ITEM.test(line)) items.push(line);
    else if (items.length > 0) items[items.length - 1] += `\n${line}`;
    else return [unit];
  }
  const definitions = items.every((item) => DEFINED_TERM.test(item));
  const paragraphs =
    items.every((item) => BULLET_ITEM.test(item)) &&
    items.reduce((sum, item) => sum + wordCount(item), 0) / items.length > PARAGRAPH_ITEM_WORDS;
  if (items.length < 3 || !(definitions || paragraphs)) return [unit];
  const make = (kind: UnitKind, text: string): Unit => ({
    kind,
    text,
    paragraph: unit.paragraph,
    words: wordCount(text),
    tokens: tokenize(text),
  });
  return [
    ...(unit.leadIn ? [make('sentence', unit.leadIn)] : []),
    ...items.map((item) => make('item', item.replace(/\s+$/, ''))),
  ];
}

/** The question's terms, matched against units' stems and, across languages, shared word beginnings. */
interface QueryTerms {
  stems: Set<string>;
  /** Folded question words of five letters or more, for cognates ("configuro"/"configure"). */
  words: string[];
  asksHow: boolean;
}

function queryTerms(question: string, crossLanguage: boolean): QueryTerms {
  const stems = new Set(analyze(question, { language: 'en' }));
  if (crossLanguage) for (const s of analyze(question, { language: 'es' })) stems.add(s);
  const words = crossLanguage
    ? [...new Set(tokenize(question).map(foldText))].filter((w) => w.length >= 5)
    : [];
  return { stems, words, asksHow: ASKS_HOW.test(question) };
}

/** Shares a beginning of at least five letters and three quarters of the shorter word. */
function cognate(a: string, b: string): boolean {
  const shorter = Math.min(a.length, b.length);
  if (shorter < 5) return false;
  let common = 0;
  while (common < shorter && a.charCodeAt(common) === b.charCodeAt(common)) common++;
  return common >= 5 && common >= 0.75 * shorter;
}

/** The question terms a unit contains (each once), with their weights. */
function matchedTerms(unit: Unit, query: QueryTerms): Set<string> {
  const found = new Set<string>();
  for (const s of analyze(unit.text, { language: 'en' })) if (query.stems.has(s)) found.add(s);
  if (query.words.length > 0)
    for (const token of unit.tokens) {
      const folded = foldText(token);
      for (const w of query.words) if (cognate(w, folded)) found.add(`~${w}`);
    }
  return found;
}

/**
 * Chooses the contiguous units that answer the question: the best-scoring unit (question terms it
 * contains, rarer terms weighing more, long units slightly discounted), then its neighbours while they
 * add question terms or carry the sentence it leans on, within `maxWords` and `maxSentences`. With no
 * question term anywhere (a question in another language than the guide), the section's first steps,
 * or its first sentences.
 */
function chooseSpan(units: Unit[], query: QueryTerms, maxWords: number, maxSentences: number): Unit[] {
  const matches = units.map((u) => matchedTerms(u, query));
  const df = new Map<string, number>();
  for (const m of matches) for (const t of m) df.set(t, (df.get(t) ?? 0) + 1);
  const weight = (t: string) => Math.log(1 + units.length / (df.get(t) ?? 1));
  // Pointers to other pages ("See also: …") never answer a question themselves.
  const raw = matches.map((m, i) =>
    SEE_ALSO.test(units[i]?.text ?? '') ? 0 : [...m].reduce((sum, t) => sum + weight(t), 0),
  );
  // Long units are discounted a little, except numbered steps asked for by a "how" question: there the
  // procedure is the answer, however long.
  const score = units.map((u, i) => {
    const steps = u.kind === 'list' && query.asksHow && NUMBERED_ITEM.test(u.text);
    const lengthPenalty = steps ? 1 : 1 + Math.max(0, u.words / 40 - 1) * 0.25;
    return ((raw[i] ?? 0) * (steps ? 1.3 : 1)) / lengthPenalty;
  });

  let anchor = 0;
  for (let i = 1; i < units.length; i++) if ((score[i] ?? 0) > (score[anchor] ?? 0)) anchor = i;
  if ((score[anchor] ?? 0) === 0) {
    const steps = units.findIndex((u) => u.kind === 'list' && NUMBERED_ITEM.test(u.text));
    anchor = Math.max(steps, 0); // the first steps, or else the first unit
  }
  let start = anchor;
  let end = anchor;
  const first = units[anchor];
  if (!first) return [];
  let words = first.words;
  let sentences = first.kind === 'list' ? 0 : 1;
  const fits = (u: Unit) =>
    words + u.words <= maxWords && (u.kind === 'list' || sentences < maxSentences) && u.kind !== 'code';
  const take = (i: number) => {
    const u = units[i] as Unit;
    words += u.words;
    if (u.kind !== 'list') sentences++;
    if (i < start) start = i;
    else end = i;
  };
  // A sentence that leans on the one before it takes it along when it fits.
  const before = units[start - 1];
  if (first.kind === 'sentence' && LEANS_BACK.test(first.text) && before && fits(before)) take(start - 1);
  const noMatch = (score[anchor] ?? 0) === 0;
  for (;;) {
    const options = [start - 1, end + 1].filter((i) => {
      const u = units[i];
      if (!u || !fits(u)) return false;
      // Without matches, read on from the start; with them, only add what helps, or what a sentence
      // ending in a colon announces.
      if (noMatch) return i > end && u.kind === first.kind && u.paragraph === first.paragraph;
      if ((raw[i] ?? 0) > 0) return true;
      return i === end + 1 && u.kind !== 'row' && /:\s*$/.test((units[end] as Unit).text);
    });
    if (options.length === 0) break;
    const next = options.reduce((a, b) => ((score[b] ?? 0) > (score[a] ?? 0) ? b : a));
    take(next);
  }
  // A sentence announcing what follows ("…as per the following table:") is dropped when what it
  // announces is not shown.
  while (end > anchor && /:\s*$/.test((units[end] as Unit).text) && (units[end] as Unit).kind === 'sentence')
    end--;
  return units.slice(start, end + 1);
}

function joinUnits(units: readonly Unit[]): string {
  let out = '';
  units.forEach((u, i) => {
    const previous = units[i - 1];
    const sameParagraph =
      previous && previous.paragraph === u.paragraph && u.kind === 'sentence' && previous.kind === 'sentence';
    const sep = !previous
      ? ''
      : sameParagraph
        ? ' '
        : previous.kind === 'row' && u.kind === 'row'
          ? '\n'
          : '\n\n';
    out += sep + u.text;
  });
  return out;
}

/** The passages of the best passage's section (same document and heading), in document order. */
function sectionOf(best: AnswerPassage, passages: readonly AnswerPassage[]): AnswerPassage[] {
  const same = new Map<number, AnswerPassage>();
  for (const p of passages)
    if (p.sourceId === best.sourceId && p.heading === best.heading && !same.has(p.ordinal))
      same.set(p.ordinal, p);
  // Only the run of consecutive chunks around the best one: a gap means a chunk we were not given.
  let from = best.ordinal;
  let to = best.ordinal;
  while (same.has(from - 1)) from--;
  while (same.has(to + 1)) to++;
  const out: AnswerPassage[] = [];
  for (let o = from; o <= to; o++) out.push(same.get(o) as AnswerPassage);
  return out;
}

function headingLabel(passage: AnswerPassage): string {
  // The section itself, not its whole heading path: the source line stays one short line.
  const section = passage.heading.split(' > ').at(-1)?.trim();
  return section ? `${passage.title} › ${section}` : passage.title;
}

/** The learner's language: the question's own when it is clear, otherwise the UI locale. */
function answerLocaleFor(question: string | undefined, locale: string | undefined): AnswerLocale {
  return (question ? detectAnswerLanguage(question) : null) ?? resolveAnswerLocale(locale);
}

/**
 * The short answer to `question` from a section: the best one to three sentences, or the list of steps
 * (never cut), contiguous, about `maxWords` at most. Exported for tests; answers come from
 * {@link buildExtractiveAnswer}.
 */
export function shortAnswer(
  section: string,
  question: string,
  options: { crossLanguage?: boolean; maxWords?: number; maxSentences?: number } = {},
): string {
  const units = unitsOf(section);
  if (units.length === 0) return section.trim();
  const query = queryTerms(question, options.crossLanguage ?? false);
  const span = chooseSpan(units, query, options.maxWords ?? 120, options.maxSentences ?? 3);
  const only = span.length === 1 ? span[0] : undefined;
  // The hard cap: one overlong sentence, row or reference item is cut at a word (the whole section is
  // one click away); a list of steps, or code, never is.
  if (only && only.kind !== 'list' && only.kind !== 'code' && only.words > HARD_CAP_WORDS) {
    const cut = only.text.match(new RegExp(`^(?:\\S+\\s+){${HARD_CAP_WORDS}}`, 'u'))?.[0];
    if (cut) return `${cut.trimEnd()} …`;
  }
  return joinUnits(span);
}

/** Longest single sentence, table row or reference item shown before it is cut. */
const HARD_CAP_WORDS = 200;

/**
 * Builds an answer without a language model: from the best passage's section only, the sentences or
 * numbered steps that answer the question (see {@link shortAnswer}), framed in the learner's language:
 * "From: <title> › <section> [1]", then "Esto dice la guía (en inglés):" when the guide is in another
 * language than the question, the short answer, and the whole section after {@link SECTION_MARKER}
 * when the short answer is only part of it. `passages` are the chosen passages, best first; up to two
 * other documents are cited as [2] and [3].
 */
export function buildExtractiveAnswer(
  passages: readonly AnswerPassage[],
  options: ExtractiveAnswerOptions = {},
): Answer {
  const language = answerLocaleFor(options.question, options.locale);
  const strings: AnswerStrings = answerStrings(language);
  const best = passages[0];
  if (!best) return { text: strings.notCovered, citations: [] };

  // Sentences addressed to an assistant ("ignore previous instructions…") are never quoted to a learner.
  const section = sectionOf(best, passages)
    .map((p) => withoutInstructions(p.text))
    .filter((text) => text.trim())
    .join('\n\n');
  if (!section) return { text: strings.notCovered, citations: [] };
  const guideLanguage = detectAnswerLanguage(section) ?? 'en';
  const crossLanguage = guideLanguage !== language;
  const short = options.question
    ? shortAnswer(section, options.question, {
        crossLanguage,
        maxWords: options.maxWords,
        maxSentences: options.maxSentences,
      })
    : section;

  const citations: Citation[] = [
    { index: 1, sourceId: best.sourceId, title: best.title, heading: best.heading, path: best.path },
  ];
  for (const p of passages) {
    if (citations.some((c) => c.sourceId === p.sourceId)) continue;
    if (citations.length >= 3) break;
    citations.push({
      index: citations.length + 1,
      sourceId: p.sourceId,
      title: p.title,
      heading: p.heading,
      path: p.path,
    });
  }
  const lines = [`${fill(strings.from, { title: headingLabel(best) })} [1]`, ''];
  if (crossLanguage) lines.push(fill(strings.guideSays, { language: strings.languages[guideLanguage] }), '');
  // Other articles are cited [2], [3] without a "See also" line: the chat lists every citation below.
  lines.push(short);
  let text = lines.join('\n');
  // Nothing more to show when the short answer is (nearly) the whole section.
  if (wordCount(short) < 0.9 * wordCount(section))
    text += `${SECTION_MARKER}${strings.wholeSection}\n${section}`;
  return { text, citations };
}
