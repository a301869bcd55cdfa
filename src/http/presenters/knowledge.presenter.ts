import type { MeaningSummary, SourceMeaning } from '../../knowledge/embedding-status.js';
import type { SourceView } from '../../knowledge/index.js';

/** Where a source is used: everywhere in the institution, or only inside the course it was added from. */
export type KnowledgeScope = 'institution' | 'course';

/** A knowledge source as the admin page and API clients see it: no tenant ids, hashes or storage paths. */
export interface KnowledgeSourceDto {
  id: string;
  kind: 'file' | 'qa';
  title: string;
  /** The uploaded file's name; null for Q&A pairs. */
  fileName: string | null;
  /** A word a person recognises: Markdown, Plain text, HTML, PDF, Word document, Q&A. */
  type: string;
  scope: KnowledgeScope;
  status: SourceView['status'];
  /** 0-100 while the latest upload is queued or processing; 100 once ready. */
  progress: number;
  chunkCount: number;
  /** The live version (0: nothing live yet). */
  version: number;
  /** Why the latest upload failed, in plain words; null otherwise. */
  error: string | null;
  sizeBytes: number;
  updatedAt: string;
}

/** What happened to one file of an upload request. */
export type FileOutcomeDto =
  | {
      name: string;
      ok: true;
      /** 202: queued for ingestion; 200: the same content was already there, nothing new was queued. */
      status: 200 | 202;
      queued: boolean;
      source: KnowledgeSourceDto;
    }
  | { name: string; ok: false; status: number; error: { code: string; message: string } };

const TYPE_BY_EXTENSION: Record<string, string> = {
  md: 'Markdown',
  markdown: 'Markdown',
  txt: 'Plain text',
  text: 'Plain text',
  html: 'HTML',
  htm: 'HTML',
  pdf: 'PDF',
  docx: 'Word document',
};

const TYPE_BY_MIME: Record<string, string> = {
  'text/markdown': 'Markdown',
  'text/plain': 'Plain text',
  'text/html': 'HTML',
  'application/pdf': 'PDF',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'Word document',
};

/** The file type label: from the name first (the stored MIME type is the browser's guess until ingested). */
function typeLabel(source: SourceView): string {
  if (source.kind === 'qa') return 'Q&A';
  const extension = source.path.toLowerCase().split('.').pop() ?? '';
  return TYPE_BY_EXTENSION[extension] ?? TYPE_BY_MIME[source.mimeType] ?? 'File';
}

/** Whitelists a source's fields for the admin page and API. */
export function presentKnowledgeSource(source: SourceView): KnowledgeSourceDto {
  return {
    id: source.id,
    kind: source.kind,
    title: source.title,
    fileName: source.kind === 'file' ? source.path : null,
    type: typeLabel(source),
    scope: source.courseId ? 'course' : 'institution',
    status: source.status,
    progress: Math.max(0, Math.min(100, Math.round(source.progress))),
    chunkCount: source.chunkCount,
    version: source.version,
    error: source.status === 'failed' ? (source.error ?? 'the file could not be used') : null,
    sizeBytes: source.sizeBytes,
    updatedAt: new Date(source.updatedAt).toISOString(),
  };
}

/**
 * Search by meaning beside the list (`meaning` next to `data`): the tenant's line and each live
 * source's state by id (ready, pending with a count, failing with the last error…).
 */
export interface KnowledgeMeaningDto {
  summary: MeaningSummary;
  sources: Record<string, SourceMeaning>;
}

export function presentMeaning(
  summary: MeaningSummary,
  states: ReadonlyMap<string, SourceMeaning>,
): KnowledgeMeaningDto {
  return { summary, sources: Object.fromEntries(states) };
}
