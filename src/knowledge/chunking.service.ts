import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { htmlToMarkdown } from './html-text.converter.js';
import type { Chunk, ChunkRecord, DocumentFormat, SourceDocument } from './knowledge.types.js';

/** Chunk sizes, in characters. */
export interface ChunkingOptions {
  /** Blocks are packed into a chunk until it would exceed this. Default 1200. */
  chunkSize?: number;
  /**
   * A single block (e.g. a numbered procedure) up to this size is kept whole even though it exceeds
   * `chunkSize`: a procedure split in half is worse than a long passage. Default 3000.
   */
  maxBlockSize?: number;
  /** Overlap used only when an oversized block has to be split. Default 150. */
  chunkOverlap?: number;
}

/** What {@link chunkDocument} returns. */
export interface ChunkedDocument {
  title: string;
  chunks: Chunk[];
}

const ATX_HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const FENCE = /^ {0,3}(```|~~~)/;
const LIST_ITEM = /^\s{0,6}(?:[-*+]|\d{1,3}[.)])\s+\S/;
const INDENTED = /^(?: {2,}|\t)\S/;
// A short paragraph announcing what follows ("To enroll, follow these steps.") belongs with its list.
const LEAD_IN_MAX = 300;

interface Section {
  path: string[];
  lines: string[];
}

/** Strips inline Markdown (emphasis, code, links, images) from a heading or title. */
export function stripInlineMarkdown(text: string): string {
  return text
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__|\*|_|`)(.+?)\1/g, '$2')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A readable title from a file name: "resetting-your-password.md" -> "Resetting your password". */
export function titleFromPath(path: string): string {
  const base = (path.split(/[\\/]/).pop() ?? path).replace(/\.[^.]+$/, '');
  const words = base.replace(/[-_]+/g, ' ').trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : 'Untitled';
}

function splitSections(markdown: string, headings: boolean): { sections: Section[]; h1: string | null } {
  const sections: Section[] = [{ path: [], lines: [] }];
  const stack: { level: number; text: string }[] = [];
  let h1: string | null = null;
  let inFence = false;
  for (const line of markdown.replace(/\r\n?/g, '\n').split('\n')) {
    if (FENCE.test(line)) inFence = !inFence;
    const match = !inFence && headings ? ATX_HEADING.exec(line) : null;
    if (!match) {
      sections.at(-1)?.lines.push(line);
      continue;
    }
    const level = match[1]?.length ?? 1;
    const text = stripInlineMarkdown(match[2] ?? '');
    // The first H1 is the document title, not a section: keep it out of heading paths.
    if (level === 1 && h1 === null) {
      h1 = text;
      continue;
    }
    while (stack.length > 0 && (stack.at(-1)?.level ?? 0) >= level) stack.pop();
    stack.push({ level, text });
    sections.push({ path: stack.map((h) => h.text), lines: [] });
  }
  return { sections, h1 };
}

/**
 * Groups a section's lines into blocks that must not be split: paragraphs, fenced code, and whole
 * lists (items, their indented continuations, and a short lead-in paragraph just before the list).
 */
function toBlocks(lines: string[]): string[] {
  const paragraphs: string[] = [];
  let current: string[] = [];
  let inFence = false;
  const flush = () => {
    if (current.some((l) => l.trim() !== '')) paragraphs.push(current.join('\n').replace(/\s+$/, ''));
    current = [];
  };
  for (const line of lines) {
    if (FENCE.test(line)) inFence = !inFence;
    if (!inFence && line.trim() === '') flush();
    else current.push(line);
  }
  flush();

  const blocks: string[] = [];
  let listOpen = false;
  for (const paragraph of paragraphs) {
    const isItem = LIST_ITEM.test(paragraph);
    const continuesList = listOpen && (isItem || INDENTED.test(paragraph));
    if (continuesList) {
      blocks[blocks.length - 1] += `\n\n${paragraph}`;
      continue;
    }
    if (isItem) {
      const previous = blocks.at(-1);
      const leadIn = previous !== undefined && !listOpen && previous.length <= LEAD_IN_MAX;
      if (leadIn && /[:.]$/.test(previous.trim())) blocks[blocks.length - 1] = `${previous}\n\n${paragraph}`;
      else blocks.push(paragraph);
      listOpen = true;
      continue;
    }
    listOpen = false;
    blocks.push(paragraph);
  }
  return blocks;
}

function humanHeading(path: string[]): string {
  return path.join(' > ');
}

/**
 * Splits one document into chunks along its headings, each chunk carrying its heading path.
 * Markdown and HTML (converted first; scripts and styles dropped) are heading-aware; plain text is
 * split on paragraphs. Numbered and bulleted lists stay in one chunk unless they exceed `maxBlockSize`.
 */
export async function chunkDocument(
  doc: Pick<SourceDocument, 'content' | 'format' | 'path' | 'title'>,
  options: ChunkingOptions = {},
): Promise<ChunkedDocument> {
  const chunkSize = options.chunkSize ?? 1200;
  const maxBlockSize = Math.max(chunkSize, options.maxBlockSize ?? 3000);
  const chunkOverlap = options.chunkOverlap ?? 150;
  let markdown = doc.content;
  let htmlTitle: string | null = null;
  const format: DocumentFormat = doc.format;
  if (format === 'html') {
    const converted = htmlToMarkdown(doc.content);
    markdown = converted.markdown;
    htmlTitle = converted.title;
  }
  const { sections, h1 } = splitSections(markdown, format !== 'text');
  const title = doc.title?.trim() || h1 || htmlTitle || titleFromPath(doc.path ?? '');

  // Built lazily: most documents never need it.
  let splitter: RecursiveCharacterTextSplitter | undefined;
  const splitOversized = async (block: string): Promise<string[]> => {
    splitter ??= RecursiveCharacterTextSplitter.fromLanguage('markdown', { chunkSize, chunkOverlap });
    return splitter.splitText(block);
  };

  const chunks: Chunk[] = [];
  for (const section of sections) {
    const heading = humanHeading(section.path);
    let buffer = '';
    const emit = (text: string) => {
      const trimmed = text.trim();
      if (trimmed) chunks.push({ text: trimmed, heading, ordinal: chunks.length });
    };
    for (const block of toBlocks(section.lines)) {
      if (block.length > maxBlockSize) {
        emit(buffer);
        buffer = '';
        for (const piece of await splitOversized(block)) emit(piece);
        continue;
      }
      if (buffer && buffer.length + block.length + 2 > chunkSize) {
        emit(buffer);
        buffer = '';
      }
      buffer = buffer ? `${buffer}\n\n${block}` : block;
    }
    emit(buffer);
  }
  return { title, chunks };
}

/** Stable chunk id from its source and position; callers may use their own ids instead. */
export function chunkIdFor(sourceId: string, ordinal: number): string {
  return `${sourceId}#${ordinal}`;
}

/** Chunks a document and turns the chunks into index/storage records. */
export async function documentToRecords(
  doc: SourceDocument,
  options?: ChunkingOptions,
): Promise<ChunkRecord[]> {
  const { title, chunks } = await chunkDocument(doc, options);
  return chunks.map((chunk) => ({
    chunkId: chunkIdFor(doc.sourceId, chunk.ordinal),
    sourceId: doc.sourceId,
    courseId: doc.courseId ?? null,
    title,
    heading: chunk.heading,
    path: doc.path ?? doc.sourceId,
    ordinal: chunk.ordinal,
    text: chunk.text,
  }));
}
