import { answerStrings, fill } from './answer-strings.catalog.js';

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
  text: string;
  citations: Citation[];
}

/** Options for {@link buildExtractiveAnswer}. */
export interface ExtractiveAnswerOptions {
  locale?: string;
  /** Passage text beyond this is cut at a block boundary (never inside a list). Default 1800. */
  maxChars?: number;
  /** A best passage shorter than this is followed by the next section of the same document. Default 350. */
  minChars?: number;
}

const LIST_LINE = /^\s{0,6}(?:[-*+]|\d{1,3}[.)])\s+\S/m;

/**
 * Cuts text to about `maxChars` at paragraph boundaries. A block that contains list items is taken
 * whole or not at all, so a procedure never loses its last steps.
 */
function trimAtBlocks(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const blocks = text.split(/\n{2,}/);
  const kept: string[] = [];
  let length = 0;
  let inList = false;
  for (const block of blocks) {
    const isListPart: boolean = LIST_LINE.test(block) || (inList && /^\s{2,}\S/.test(block));
    // Parts of one list are separated by blank lines too; never stop in the middle of one.
    if (length + block.length > maxChars && kept.length > 0 && !(inList && isListPart)) break;
    kept.push(block);
    length += block.length + 2;
    inList = isListPart;
  }
  return kept.join('\n\n');
}

function headingLabel(passage: AnswerPassage): string {
  return passage.heading ? `${passage.title} › ${passage.heading}` : passage.title;
}

/**
 * Builds an answer without a language model: the best passage verbatim (lists and numbered steps
 * intact), framed by its document title and followed by numbered citations. `passages` are the
 * chosen passages, best first; those of the first document are used for the text, one passage of
 * each other document is offered as "see also".
 */
export function buildExtractiveAnswer(
  passages: readonly AnswerPassage[],
  options: ExtractiveAnswerOptions = {},
): Answer {
  const strings = answerStrings(options.locale);
  const maxChars = options.maxChars ?? 1800;
  const minChars = options.minChars ?? 350;
  const best = passages[0];
  if (!best) return { text: strings.notCovered, citations: [] };

  const used: AnswerPassage[] = [best];
  const next = passages.find((p) => p.sourceId === best.sourceId && p.ordinal === best.ordinal + 1);
  if (next && best.text.length < minChars && next.heading === best.heading) used.push(next);
  const body = trimAtBlocks(used.map((p) => p.text).join('\n\n'), maxChars);

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
  const lines = [`${fill(strings.from, { title: headingLabel(best) })} [1]`, '', body];
  if (citations.length > 1) {
    const others = citations.slice(1).map((c) => `${c.title} [${c.index}]`);
    lines.push('', fill(strings.seeAlso, { titles: others.join('; ') }));
  }
  return { text: lines.join('\n'), citations };
}
