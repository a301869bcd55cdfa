import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Types } from 'mongoose';
import type { Config } from '../config/env.js';
import type { Queues } from '../jobs/queues.js';
import { AppError, notFound } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { titleFromPath } from './chunking.service.js';
import { detectKind, SUPPORTED_EXTENSIONS } from './document-parser.service.js';
import {
  KnowledgeChunkModel,
  type KnowledgeSource,
  KnowledgeSourceModel,
  KnowledgeStateModel,
  KnowledgeUploadModel,
  nextKnowledgeVersion,
} from './knowledge.models.js';
import { type KnowledgeChange, publishKnowledgeChange } from './knowledge-context.js';
import { writeSourceVersion } from './knowledge-writer.js';

/** Uploads are stored in parts below MongoDB's 16 MB document limit. */
export const UPLOAD_PART_BYTES = 4 * 1024 * 1024;

/** A source as callers see it (ids as strings, no internals). */
export interface SourceView {
  id: string;
  tenantId: string;
  courseId: string | null;
  kind: 'file' | 'qa';
  title: string;
  path: string;
  mimeType: string;
  contentHash: string;
  version: number;
  status: KnowledgeSource['status'];
  error: string | null;
  progress: number;
  chunkCount: number;
  sizeBytes: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Whitelists a stored source's fields. */
export function presentSource(s: KnowledgeSource): SourceView {
  return {
    id: String(s._id),
    tenantId: String(s.tenantId),
    courseId: s.courseId ?? null,
    kind: s.kind,
    title: s.title,
    path: s.path,
    mimeType: s.mimeType,
    contentHash: s.contentHash,
    version: s.version,
    status: s.status,
    error: s.error ?? null,
    progress: s.progress,
    chunkCount: s.chunkCount,
    sizeBytes: s.sizeBytes,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

/** What `addFile` did. */
export interface AddFileResult {
  source: SourceView;
  /** False when the same content was already there (or on its way): nothing new was queued. */
  queued: boolean;
  jobId?: string;
}

export interface KnowledgeServiceDeps {
  queues: Queues;
  config: Pick<Config, 'KB_MAX_FILE_BYTES' | 'REDIS_PREFIX'> & Partial<Config>;
  /** Publishes changes made here (removal, Q&A) to other processes; optional. */
  redis?: Redis;
  logger?: Logger;
}

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

const objectId = (id: string, what: string) => {
  if (!Types.ObjectId.isValid(id)) throw new AppError('bad_request', `${what} is not a valid id.`);
  return new Types.ObjectId(id);
};

const megabytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

/** The BullMQ job id of one upload: deterministic (retrying `addFile` never queues twice), no ':'. */
export function ingestJobId(tenantId: string, sourceId: string, version: number, hash: string): string {
  return `kb-${tenantId}-${sourceId}-v${version}-${hash.slice(0, 16)}`;
}

/** Bumps a tenant's knowledge version (after a write) and tells other processes. */
export async function announceChange(
  tenantId: Types.ObjectId,
  sourceId: Types.ObjectId | undefined,
  publish: { redis?: Redis; prefix: string; logger?: Logger },
): Promise<number> {
  const state = await KnowledgeStateModel.findOneAndUpdate(
    { tenantId },
    { $set: { version: nextKnowledgeVersion() } },
    { upsert: true, returnDocument: 'after' },
  ).lean();
  const change: KnowledgeChange = {
    tenantId: String(tenantId),
    sourceId: sourceId ? String(sourceId) : undefined,
    version: state?.version ?? 0,
  };
  await publishKnowledgeChange(publish.redis, publish.prefix, change, publish.logger);
  return change.version;
}

/**
 * The knowledge base of each tenant: uploads (parsed and indexed by the `knowledge.ingest` job),
 * question-and-answer pairs, listing and removal. Every query is scoped by tenant.
 */
export class KnowledgeService {
  constructor(private readonly deps: KnowledgeServiceDeps) {}

  /**
   * Stores an upload and queues its ingestion. The same content at the same path is a no-op; new
   * content at a known path becomes a new version, live only once fully ingested.
   */
  async addFile(input: {
    tenantId: string;
    courseId?: string | null;
    filename: string;
    bytes: Uint8Array;
    mimeType?: string | null;
  }): Promise<AddFileResult> {
    const tenantId = objectId(input.tenantId, 'The tenant');
    const courseId = input.courseId ?? null;
    const path = input.filename.trim().replace(/\\/g, '/');
    if (!path) throw new AppError('bad_request', 'The file needs a name.');
    const max = this.deps.config.KB_MAX_FILE_BYTES;
    if (input.bytes.length > max) {
      throw new AppError(
        'payload_too_large',
        `"${path}" is over the size limit (${megabytes(input.bytes.length)}; the limit is ${megabytes(max)}).`,
      );
    }
    if (!detectKind(path, input.mimeType)) {
      throw new AppError(
        'unprocessable',
        `"${path}" is not a supported file type (accepted: ${SUPPORTED_EXTENSIONS.join(', ')}).`,
      );
    }
    const hash = sha256(input.bytes);
    const existing = await KnowledgeSourceModel.findOne({ tenantId, courseId, path }).lean();
    if (existing) {
      const live = existing.contentHash === hash && existing.version > 0 && existing.pendingVersion === null;
      const onItsWay =
        existing.pendingHash === hash && (existing.status === 'queued' || existing.status === 'processing');
      if (live || onItsWay) return { source: presentSource(existing), queued: false };
    }

    const source = await KnowledgeSourceModel.findOneAndUpdate(
      { tenantId, courseId, path },
      {
        $setOnInsert: { tenantId, courseId, path, kind: 'file', title: titleFromPath(path), version: 0 },
        $inc: { uploadSeq: 1 },
        $set: {
          pendingHash: hash,
          status: 'queued',
          progress: 0,
          error: null,
          sizeBytes: input.bytes.length,
          mimeType: input.mimeType || 'application/octet-stream',
        },
      },
      { upsert: true, returnDocument: 'after' },
    ).lean();
    if (!source) throw new Error('upsert returned nothing');
    const version = source.uploadSeq;
    await KnowledgeSourceModel.updateOne(
      { _id: source._id, uploadSeq: version },
      { $set: { pendingVersion: version } },
    );

    // A fresh version number: no parts of it exist yet.
    const parts = [];
    for (let n = 0, offset = 0; offset < input.bytes.length || n === 0; n++, offset += UPLOAD_PART_BYTES) {
      const slice = input.bytes.subarray(offset, offset + UPLOAD_PART_BYTES);
      parts.push({ tenantId, sourceId: source._id, version, n, data: Buffer.from(slice) });
    }
    await KnowledgeUploadModel.insertMany(parts, { ordered: true });

    const jobId = ingestJobId(String(tenantId), String(source._id), version, hash);
    try {
      await this.deps.queues.enqueue(
        'knowledge',
        'ingest',
        { tenantId: String(tenantId), sourceId: String(source._id), version },
        { jobId, attempts: 3, removeOnComplete: true },
      );
    } catch (error) {
      await KnowledgeSourceModel.updateOne(
        { _id: source._id, pendingVersion: version },
        { $set: { status: 'failed', error: 'the ingestion queue was unavailable; upload the file again' } },
      );
      throw error;
    }
    return { source: presentSource({ ...source, pendingVersion: version }), queued: true, jobId };
  }

  /** Adds (or, for the same question, replaces) a question-and-answer pair; live when this returns. */
  async addQa(input: {
    tenantId: string;
    courseId?: string | null;
    question: string;
    answer: string;
  }): Promise<SourceView> {
    const tenantId = objectId(input.tenantId, 'The tenant');
    const courseId = input.courseId ?? null;
    const question = input.question.trim().replace(/\s+/g, ' ');
    const answer = input.answer.trim();
    if (!question || !answer) throw new AppError('bad_request', 'A question and an answer are both needed.');
    const path = `qa/${sha256(question.toLowerCase()).slice(0, 16)}`;
    const content = `# ${question}\n\n${answer}\n`;
    const hash = sha256(content);
    const source = await KnowledgeSourceModel.findOneAndUpdate(
      { tenantId, courseId, path },
      {
        $setOnInsert: { tenantId, courseId, path, kind: 'qa', version: 0, mimeType: 'text/markdown' },
        $inc: { uploadSeq: 1 },
        $set: {
          title: question.slice(0, 500),
          pendingHash: hash,
          status: 'processing',
          sizeBytes: Buffer.byteLength(content),
        },
      },
      { upsert: true, returnDocument: 'after' },
    ).lean();
    if (!source) throw new Error('upsert returned nothing');
    await KnowledgeSourceModel.updateOne(
      { _id: source._id, uploadSeq: source.uploadSeq },
      { $set: { pendingVersion: source.uploadSeq } },
    );
    await writeSourceVersion({
      source,
      version: source.uploadSeq,
      document: { format: 'markdown', content, title: question },
      publish: { redis: this.deps.redis, prefix: this.deps.config.REDIS_PREFIX, logger: this.deps.logger },
    });
    const fresh = await KnowledgeSourceModel.findById(source._id).lean();
    if (!fresh) throw notFound('The question');
    return presentSource(fresh);
  }

  /** Removes a source with its chunks and stored upload. */
  async removeSource(tenantId: string, sourceId: string): Promise<void> {
    const tenant = objectId(tenantId, 'The tenant');
    const id = objectId(sourceId, 'The document');
    const removed = await KnowledgeSourceModel.findOneAndDelete({ _id: id, tenantId: tenant }).lean();
    if (!removed) throw notFound('The document');
    await KnowledgeChunkModel.deleteMany({ tenantId: tenant, sourceId: id });
    await KnowledgeUploadModel.deleteMany({ tenantId: tenant, sourceId: id });
    await announceChange(tenant, id, {
      redis: this.deps.redis,
      prefix: this.deps.config.REDIS_PREFIX,
      logger: this.deps.logger,
    });
  }

  /** A tenant's sources, newest first; with `courseId`, that course's plus tenant-wide ones. */
  async listSources(tenantId: string, options: { courseId?: string | null } = {}): Promise<SourceView[]> {
    const filter: Record<string, unknown> = { tenantId: objectId(tenantId, 'The tenant') };
    if (options.courseId !== undefined) filter.courseId = { $in: [null, options.courseId] };
    const rows = await KnowledgeSourceModel.find(filter).sort({ updatedAt: -1 }).lean();
    return rows.map(presentSource);
  }

  /** One source of a tenant, or null. */
  async getSource(tenantId: string, sourceId: string): Promise<SourceView | null> {
    if (!Types.ObjectId.isValid(sourceId)) return null;
    const row = await KnowledgeSourceModel.findOne({
      _id: new Types.ObjectId(sourceId),
      tenantId: objectId(tenantId, 'The tenant'),
    }).lean();
    return row ? presentSource(row) : null;
  }
}
