import type { Redis } from 'ioredis';
import type { Types } from 'mongoose';
import type { Logger } from '../lib/logger.js';
import { documentToRecords } from './chunking.service.js';
import { type Embedder, embeddingText } from './embeddings.service.js';
import {
  KnowledgeChunkModel,
  type KnowledgeSource,
  KnowledgeSourceModel,
  KnowledgeStateModel,
  KnowledgeUploadModel,
  nextKnowledgeVersion,
} from './knowledge.models.js';
import type { DocumentFormat } from './knowledge.types.js';
import { publishKnowledgeChange } from './knowledge-context.js';

const WRITE_BATCH = 500;
const EMBED_BATCH = 128;

/** Input of {@link writeSourceVersion}. */
export interface WriteVersionInput {
  source: Pick<KnowledgeSource, '_id' | 'tenantId' | 'courseId' | 'path' | 'title' | 'pendingHash'>;
  version: number;
  document: { format: DocumentFormat; content: string; title?: string };
  /** Recorded on the source when this version goes live (what the file turned out to be). */
  mimeType?: string;
  embedder?: Embedder | null;
  /** Called with 0-100 as the work advances. */
  onProgress?: (pct: number) => Promise<void> | void;
  /** False on a first attempt: no partial chunks of this version can exist. Default true. */
  retry?: boolean;
  publish: { redis?: Redis; prefix: string; logger?: Logger };
}

/** What was written. */
export interface WriteVersionResult {
  /** False when a newer upload (or a removal) overtook this one: nothing of it stays. */
  live: boolean;
  chunkCount: number;
  title: string;
}

/**
 * Makes one version of a source live without readers ever seeing half of it: write all the new
 * version's chunks, then switch `version` on the source in one update, then delete older versions'
 * chunks. A failure before the switch leaves the previous version answering (the caller removes the
 * partial chunks with {@link discardVersion}). Safe to run twice for the same version.
 */
export async function writeSourceVersion(input: WriteVersionInput): Promise<WriteVersionResult> {
  const { source, version } = input;
  const sourceId = String(source._id);
  const records = await documentToRecords({
    sourceId,
    content: input.document.content,
    format: input.document.format,
    path: source.path,
    title: input.document.title,
    courseId: source.courseId,
  });
  const title = records[0]?.title ?? input.document.title ?? source.title;
  if (records.length === 0) throw new EmptyDocumentError();
  await input.onProgress?.(30);

  let embeddings: number[][] | undefined;
  if (input.embedder) {
    embeddings = [];
    for (let i = 0; i < records.length; i += EMBED_BATCH) {
      const batch = records.slice(i, i + EMBED_BATCH);
      embeddings.push(...(await input.embedder.embedDocuments(batch.map(embeddingText))));
      await input.onProgress?.(
        30 + Math.round((50 * Math.min(records.length, i + EMBED_BATCH)) / records.length),
      );
    }
  }

  // A retry starts clean (a first attempt has nothing to clean: skip the round trip).
  if (input.retry !== false) {
    await KnowledgeChunkModel.deleteMany({ tenantId: source.tenantId, sourceId: source._id, version });
  }
  for (let i = 0; i < records.length; i += WRITE_BATCH) {
    const rows = records.slice(i, i + WRITE_BATCH).map((r, j) => ({
      tenantId: source.tenantId,
      courseId: source.courseId ?? null,
      sourceId: source._id,
      version,
      ordinal: r.ordinal,
      title: r.title,
      heading: r.heading,
      path: r.path,
      text: r.text,
      ...(embeddings?.[i + j] ? { embedding: embeddings[i + j] } : {}),
    }));
    await KnowledgeChunkModel.insertMany(rows, { ordered: true });
    await input.onProgress?.(
      80 + Math.round((15 * Math.min(records.length, i + WRITE_BATCH)) / records.length),
    );
  }

  const switched = await KnowledgeSourceModel.findOneAndUpdate(
    { _id: source._id, tenantId: source.tenantId, version: { $lt: version }, pendingVersion: version },
    {
      $set: {
        version,
        title,
        contentHash: source.pendingHash ?? '',
        // 'ready' only once the old version is gone and other processes were told (below).
        progress: 98,
        error: null,
        chunkCount: records.length,
        pendingHash: null,
        pendingVersion: null,
        ...(input.mimeType ? { mimeType: input.mimeType } : {}),
      },
    },
    { returnDocument: 'after' },
  ).lean();
  if (!switched) {
    await discardVersion(source.tenantId, source._id, version);
    return { live: false, chunkCount: 0, title };
  }
  if (version > 1) {
    const older = { tenantId: source.tenantId, sourceId: source._id, version: { $lt: version } };
    await Promise.all([KnowledgeChunkModel.deleteMany(older), KnowledgeUploadModel.deleteMany(older)]);
  }
  const state = await KnowledgeStateModel.findOneAndUpdate(
    { tenantId: source.tenantId },
    { $set: { version: nextKnowledgeVersion() } },
    { upsert: true, returnDocument: 'after' },
  ).lean();
  await publishKnowledgeChange(
    input.publish.redis,
    input.publish.prefix,
    { tenantId: String(source.tenantId), sourceId, version: state?.version ?? 0 },
    input.publish.logger,
  );
  await KnowledgeSourceModel.updateOne(
    { _id: source._id, tenantId: source.tenantId, version, pendingVersion: null },
    { $set: { status: 'ready', progress: 100 } },
  );
  return { live: true, chunkCount: records.length, title };
}

/** Deletes whatever one (never live) version left behind: chunks and its stored upload. */
export async function discardVersion(
  tenantId: Types.ObjectId,
  sourceId: Types.ObjectId,
  version: number,
): Promise<void> {
  await KnowledgeChunkModel.deleteMany({ tenantId, sourceId, version });
  await KnowledgeUploadModel.deleteMany({ tenantId, sourceId, version });
}

/** A document that parsed but holds no text to index. */
export class EmptyDocumentError extends Error {
  constructor() {
    super('the document has no text to index');
    this.name = 'EmptyDocumentError';
  }
}
