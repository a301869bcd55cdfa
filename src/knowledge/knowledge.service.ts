import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Types } from 'mongoose';
import type { Config } from '../config/env.js';
import { deleteInTenant, findInTenant } from '../db/by-id.js';
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
import { announceSources, type KnowledgeChange, publishKnowledgeChange } from './knowledge-context.js';
import { writeSourceVersion } from './knowledge-writer.js';
import { UPLOAD_CACHE_MAX_BYTES, UPLOAD_CACHE_SECONDS, uploadCacheKey } from './upload-cache.js';

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
  config: Config;
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
  const version = nextKnowledgeVersion();
  await KnowledgeStateModel.updateOne({ tenantId }, { $set: { version } }, { upsert: true });
  if (sourceId) {
    await announceSources(
      publish.redis,
      publish.prefix,
      { tenantId: String(tenantId), version, sourceIds: [String(sourceId)] },
      publish.logger,
    );
  } else {
    const change: KnowledgeChange = { tenantId: String(tenantId), version };
    await publishKnowledgeChange(publish.redis, publish.prefix, change, publish.logger);
  }
  return version;
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
    const [outcome] = await this.addFiles({
      tenantId: input.tenantId,
      courseId: input.courseId,
      files: [{ filename: input.filename, bytes: input.bytes, mimeType: input.mimeType }],
    });
    if (!outcome) throw new Error('nothing was stored');
    if ('error' in outcome) throw outcome.error;
    return outcome;
  }

  /**
   * {@link addFile} for many files at once (a folder): the same rules per file, with a few database
   * round trips for the whole batch (FerretDB scans a collection for any query but one by `_id`, and
   * each round trip has a fixed cost). Results are in the order of `files`; a refused file has `error`.
   */
  async addFiles(input: {
    tenantId: string;
    courseId?: string | null;
    files: readonly { filename: string; bytes: Uint8Array; mimeType?: string | null }[];
  }): Promise<(AddFileResult | { filename: string; error: AppError })[]> {
    const tenantId = objectId(input.tenantId, 'The tenant');
    const courseId = input.courseId ?? null;
    const max = this.deps.config.KB_MAX_FILE_BYTES;
    type Accepted = { i: number; path: string; bytes: Uint8Array; mimeType?: string | null; hash: string };
    const outcomes: (AddFileResult | { filename: string; error: AppError } | undefined)[] = [];
    const accepted: Accepted[] = [];
    const seen = new Set<string>();
    for (const [i, file] of input.files.entries()) {
      const path = file.filename.trim().replace(/\\/g, '/');
      let error: AppError | undefined;
      if (!path) error = new AppError('bad_request', 'The file needs a name.');
      else if (file.bytes.length > max) {
        error = new AppError(
          'payload_too_large',
          `"${path}" is over the size limit (${megabytes(file.bytes.length)}; the limit is ${megabytes(max)}).`,
        );
      } else if (!detectKind(path, file.mimeType)) {
        error = new AppError(
          'unprocessable',
          `"${path}" is not a supported file type (accepted: ${SUPPORTED_EXTENSIONS.join(', ')}).`,
        );
      } else if (seen.has(path)) error = new AppError('conflict', `"${path}" appears twice in this upload.`);
      if (error) {
        outcomes[i] = { filename: file.filename, error };
        continue;
      }
      seen.add(path);
      accepted.push({ i, path, bytes: file.bytes, mimeType: file.mimeType, hash: sha256(file.bytes) });
    }
    if (accepted.length === 0) return outcomes as (AddFileResult | { filename: string; error: AppError })[];

    // One query for the batch (one scan on FerretDB) instead of one per file.
    const existing = new Map<string, KnowledgeSource>();
    for (const row of await KnowledgeSourceModel.find({
      tenantId,
      courseId,
      path: accepted.length === 1 ? accepted[0]?.path : { $in: accepted.map((a) => a.path) },
    }).lean())
      existing.set(row.path, row);

    // New paths: the whole source document in one insert, already pointing at its version 1.
    const fresh: { a: Accepted; doc: KnowledgeSource }[] = [];
    const updates: Accepted[] = [];
    for (const a of accepted) {
      const known = existing.get(a.path);
      if (!known) {
        const now = new Date();
        fresh.push({
          a,
          doc: {
            _id: new Types.ObjectId(),
            tenantId,
            courseId,
            kind: 'file',
            title: titleFromPath(a.path),
            path: a.path,
            mimeType: a.mimeType || 'application/octet-stream',
            contentHash: '',
            version: 0,
            uploadSeq: 1,
            pendingHash: a.hash,
            pendingVersion: 1,
            status: 'queued',
            error: null,
            progress: 0,
            chunkCount: 0,
            sizeBytes: a.bytes.length,
            createdAt: now,
            updatedAt: now,
          },
        });
        continue;
      }
      const live = known.contentHash === a.hash && known.version > 0 && known.pendingVersion === null;
      const onItsWay =
        known.pendingHash === a.hash && (known.status === 'queued' || known.status === 'processing');
      if (live || onItsWay) outcomes[a.i] = { source: presentSource(known), queued: false };
      else updates.push(a);
    }
    const staged: { a: Accepted; source: KnowledgeSource; version: number }[] = [];
    if (fresh.length > 0) {
      const inserted = new Set<string>();
      try {
        await KnowledgeSourceModel.insertMany(
          fresh.map((f) => f.doc),
          { ordered: false },
        );
        for (const f of fresh) inserted.add(f.a.path);
      } catch (error) {
        // Someone added some of these paths meanwhile (the unique index refused them): those go the
        // one-by-one way below; the rest were inserted.
        const failed = new Set(
          ((error as { writeErrors?: { index: number }[] }).writeErrors ?? []).map((e) => e.index),
        );
        if (failed.size === 0) throw error;
        fresh.forEach((f, index) => {
          if (!failed.has(index)) inserted.add(f.a.path);
        });
      }
      for (const f of fresh) {
        if (inserted.has(f.a.path)) staged.push({ a: f.a, source: f.doc, version: 1 });
        else updates.push(f.a);
      }
    }
    for (const a of updates) {
      const next = await this.nextVersion(tenantId, courseId, a);
      if (next) staged.push({ a, ...next });
    }
    if (staged.length === 0) return outcomes as (AddFileResult | { filename: string; error: AppError })[];

    // A fresh version number per file: no parts of it exist yet. Ids are chosen here so the job can
    // read its parts by id.
    const partIds = new Map<number, string[]>();
    const parts = staged.flatMap(({ a, source, version }) => {
      const rows = [];
      for (let n = 0, offset = 0; offset < a.bytes.length || n === 0; n++, offset += UPLOAD_PART_BYTES) {
        const slice = a.bytes.subarray(offset, offset + UPLOAD_PART_BYTES);
        rows.push({
          _id: new Types.ObjectId(),
          tenantId,
          sourceId: source._id,
          version,
          n,
          data: Buffer.from(slice),
        });
      }
      partIds.set(
        a.i,
        rows.map((r) => r._id.toHexString()),
      );
      return rows;
    });
    // Straight to the driver (complete rows; mongoose's casting costs more than the insert).
    await KnowledgeUploadModel.collection.insertMany(parts, { ordered: true });
    await this.cacheUploads(parts);

    const jobs = staged.map(({ a, source, version }) => ({
      name: 'ingest' as const,
      data: {
        tenantId: String(tenantId),
        sourceId: String(source._id),
        version,
        parts: partIds.get(a.i) ?? [],
      },
      opts: {
        jobId: ingestJobId(String(tenantId), String(source._id), version, a.hash),
        attempts: 3,
        removeOnComplete: true,
      },
    }));
    try {
      await this.deps.queues.enqueueBulk('knowledge', jobs);
    } catch (error) {
      const message = 'the ingestion queue was unavailable; upload the file again';
      await Promise.all(
        staged.map(({ source, version }) =>
          KnowledgeSourceModel.updateOne(
            { _id: source._id, pendingVersion: version },
            { $set: { status: 'failed', error: message } },
          ),
        ),
      );
      throw error;
    }
    staged.forEach(({ a, source, version }, k) => {
      outcomes[a.i] = {
        source: presentSource({ ...source, pendingVersion: version }),
        queued: true,
        jobId: jobs[k]?.opts.jobId,
      };
    });
    return outcomes as (AddFileResult | { filename: string; error: AppError })[];
  }

  /** Copies small uploads to Redis for the worker (best effort: it falls back to the database). */
  private async cacheUploads(parts: readonly { _id: Types.ObjectId; data: Buffer }[]): Promise<void> {
    const redis = this.deps.redis;
    if (!redis) return;
    const pipeline = redis.pipeline();
    let queued = 0;
    for (const part of parts) {
      if (part.data.length > UPLOAD_CACHE_MAX_BYTES) continue;
      const key = uploadCacheKey(this.deps.config.REDIS_PREFIX, part._id.toHexString());
      pipeline.set(key, part.data, 'EX', UPLOAD_CACHE_SECONDS);
      queued++;
    }
    if (queued > 0) await pipeline.exec().catch(() => undefined);
  }

  /** A new version of a path (known, or added meanwhile): the one-by-one way, with its own round trips. */
  private async nextVersion(
    tenantId: Types.ObjectId,
    courseId: string | null,
    a: { path: string; bytes: Uint8Array; mimeType?: string | null; hash: string; i: number },
  ): Promise<{ source: KnowledgeSource; version: number } | null> {
    const source = await KnowledgeSourceModel.findOneAndUpdate(
      { tenantId, courseId, path: a.path },
      {
        $setOnInsert: {
          tenantId,
          courseId,
          path: a.path,
          kind: 'file',
          title: titleFromPath(a.path),
          version: 0,
        },
        $inc: { uploadSeq: 1 },
        $set: {
          pendingHash: a.hash,
          status: 'queued',
          progress: 0,
          error: null,
          sizeBytes: a.bytes.length,
          mimeType: a.mimeType || 'application/octet-stream',
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
    return { source, version };
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
      config: this.deps.config,
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
    const removed = await deleteInTenant(KnowledgeSourceModel, id, tenant);
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
    const row = await findInTenant(KnowledgeSourceModel, sourceId, objectId(tenantId, 'The tenant'));
    return row ? presentSource(row) : null;
  }
}
