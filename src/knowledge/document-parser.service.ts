import { DocxLoader } from '@langchain/community/document_loaders/fs/docx';
import { PDFLoader } from '@langchain/community/document_loaders/fs/pdf';
import type { DocumentFormat } from './knowledge.types.js';

/** A file turned into text the chunker understands. */
export interface ParsedDocument {
  format: DocumentFormat;
  content: string;
  /** What kind of file it was, for the source listing. */
  mimeType: string;
}

/** A file we cannot ingest, with a reason a person can act on (shown in the admin page and the CLI). */
export class UnsupportedDocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedDocumentError';
  }
}

type Kind = 'markdown' | 'text' | 'html' | 'pdf' | 'docx';

const BY_EXTENSION: Record<string, Kind> = {
  md: 'markdown',
  markdown: 'markdown',
  txt: 'text',
  text: 'text',
  html: 'html',
  htm: 'html',
  pdf: 'pdf',
  docx: 'docx',
};

const BY_MIME: Record<string, Kind> = {
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/plain': 'text',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
};

const MIME_OF: Record<Kind, string> = {
  markdown: 'text/markdown',
  text: 'text/plain',
  html: 'text/html',
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

/** The file types we accept, for error messages and upload forms. */
export const SUPPORTED_EXTENSIONS = ['.md', '.markdown', '.txt', '.html', '.htm', '.pdf', '.docx'] as const;

const startsWith = (bytes: Uint8Array, magic: string) =>
  bytes.length >= magic.length && [...magic].every((c, i) => bytes[i] === c.charCodeAt(0));

/** The file type from its extension, then its declared MIME type (magic bytes are checked on parse). */
export function detectKind(filename: string, mimeType?: string | null): Kind | null {
  const ext = filename.toLowerCase().split('.').pop() ?? '';
  if (filename.includes('.') && BY_EXTENSION[ext]) return BY_EXTENSION[ext] ?? null;
  const mime = (mimeType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return BY_MIME[mime] ?? null;
}

/**
 * Decodes text that must be UTF-8 (or plain ASCII). Binary data renamed to .md or .txt is refused:
 * indexing it would only put noise into answers.
 */
function decodeText(bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UnsupportedDocumentError(
      'not a supported file type: the file is not readable text (it looks like binary data)',
    );
  }
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) control += 10;
    else if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) control++;
  }
  if (control > Math.max(4, text.length * 0.01)) {
    throw new UnsupportedDocumentError(
      'not a supported file type: the file is not readable text (it looks like binary data)',
    );
  }
  return text.replace(/^\uFEFF/, '');
}

function copyToBlob(bytes: Uint8Array, type: string): Blob {
  // A fresh ArrayBuffer: the loaders read `buffer` whole, and a pooled Buffer's is shared.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Blob([copy], { type });
}

async function parsePdf(bytes: Uint8Array): Promise<string> {
  if (!startsWith(bytes, '%PDF-')) {
    throw new UnsupportedDocumentError('this file is named .pdf but is not a PDF document');
  }
  let pages: { pageContent: string }[];
  try {
    pages = await new PDFLoader(copyToBlob(bytes, MIME_OF.pdf), { splitPages: true }).load();
  } catch (error) {
    throw new UnsupportedDocumentError(
      `this PDF could not be read (${(error as Error).message.split('\n')[0] ?? 'damaged file'})`,
    );
  }
  const text = pages
    .map((p) => p.pageContent.trim())
    .filter(Boolean)
    .join('\n\n');
  if (text.replace(/\s+/g, '').length < 3) {
    throw new UnsupportedDocumentError(
      'this PDF has no extractable text (it may be a scanned image; upload a text-based PDF or run OCR first)',
    );
  }
  return text;
}

async function parseDocx(bytes: Uint8Array): Promise<string> {
  if (!startsWith(bytes, 'PK')) {
    throw new UnsupportedDocumentError('this file is named .docx but is not a Word document');
  }
  let docs: { pageContent: string }[];
  try {
    docs = await new DocxLoader(copyToBlob(bytes, MIME_OF.docx)).load();
  } catch (error) {
    throw new UnsupportedDocumentError(
      `this Word document could not be read (${(error as Error).message.split('\n')[0] ?? 'damaged file'})`,
    );
  }
  const text = docs
    .map((d) => d.pageContent.trim())
    .filter(Boolean)
    .join('\n\n');
  if (!text.trim()) throw new UnsupportedDocumentError('this Word document has no text');
  return text;
}

/**
 * Turns an uploaded file into text for the chunker: Markdown and plain text as they are, HTML as HTML
 * (the chunker converts it and drops scripts and styles), PDF and DOCX through LangChain's loaders.
 * Throws {@link UnsupportedDocumentError} with a plain reason for anything else.
 */
export async function parseDocument(
  filename: string,
  bytes: Uint8Array,
  mimeType?: string | null,
): Promise<ParsedDocument> {
  const kind = detectKind(filename, mimeType);
  if (!kind) {
    throw new UnsupportedDocumentError(
      `not a supported file type (accepted: ${SUPPORTED_EXTENSIONS.join(', ')})`,
    );
  }
  if (bytes.length === 0) throw new UnsupportedDocumentError('the file is empty');
  if (kind === 'pdf') return { format: 'text', content: await parsePdf(bytes), mimeType: MIME_OF.pdf };
  if (kind === 'docx') return { format: 'text', content: await parseDocx(bytes), mimeType: MIME_OF.docx };
  if (startsWith(bytes, '%PDF-') || startsWith(bytes, 'PK\u0003\u0004')) {
    throw new UnsupportedDocumentError(
      'not a supported file type: the file is not readable text (its name does not match its content)',
    );
  }
  const content = decodeText(bytes);
  if (!content.trim()) throw new UnsupportedDocumentError('the file has no text');
  return { format: kind, content, mimeType: MIME_OF[kind] };
}
