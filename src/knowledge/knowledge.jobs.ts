import type { Job } from 'bullmq';
import { Types } from 'mongoose';
import { findEachInTenant, findInTenant } from '../db/by-id.js';
import type { JobPayload } from '../jobs/queues.js';
import type { QueueHandlers } from '../jobs/workers.js';
import { parseDocument, UnsupportedDocumentError } from './document-parser.service.js';
import { fillMissingVectors } from './embedding-backfill.js';
import { createEmbedder } from './embeddings.service.js';
import {
  KnowledgeChunkModel,
  type KnowledgeSource,
  KnowledgeSourceModel,
  KnowledgeUploadModel,
} from './knowledge.models.js';
import type { KnowledgeRuntime } from './knowledge-runtime.js';
import {
  commitSourceVersions,
  discardVersion,
  EmptyDocumentError,
  finishLiveVersions,
  type PreparedVersion,
  prepareSourceVersion,
  type WriteVersionInput,
  type WriteVersionResult,
} from './knowledge-writer.js';
import { uploadCacheKey } from './upload-cache.js';

// How many ingestion jobs a worker runs at once is KNOWLEDGE_WORKER_CONCURRENCY (config). Each job is one
// file; the database writes of the jobs that are ready together are batched (see CommitBatcher), so while
// one batch is written the next is being read and parsed.
/** The most files one batch writes. */
const MAX_BATCH = 32;
/** Bytes of uploads held in memory at once by the running jobs (a larger single file runs alone). */
const BYTES_IN_FLIGHT = 64 * 1024 * 1024;
/** How long a prepared file waits for others to share its database writes. */
const BATCH_LINGER_MS = 15;
/** A job shorter than this never writes its progress to the source (each write is a round trip). */
const PROGRESS_AFTER_MS = 2000;

type IngestJob = Job<JobPayload<'knowledge', 'ingest'>>;

/** Lets jobs hold up to a budget of bytes at once; a request over the whole budget waits to run alone. */
class ByteBudget {
  private used = 0;
  private readonly waiting: { bytes: number; go: () => void }[] = [];

  constructor(private readonly limit: number) {}

  async acquire(bytes: number): Promise<() => void> {
    const size = Math.min(Math.max(0, bytes), this.limit);
    if (this.waiting.length > 0 || this.used + size > this.limit) {
      await new Promise<void>((go) => this.waiting.push({ bytes: size, go }));
    } else this.used += size;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= size;
      this.wake();
    };
  }

  private wake(): void {
    for (let next = this.waiting[0]; next && this.used + next.bytes <= this.limit; next = this.waiting[0]) {
      this.waiting.shift();
      this.used += next.bytes;
      next.go();
    }
  }
}

/**
 * Group commit: prepared versions from the jobs running in this process are written together, one
 * batch at a time. The first waits {@link BATCH_LINGER_MS} for company; whatever arrives while a batch
 * is being written forms the next one (up to {@link MAX_BATCH}). A failed batch fails each
 * of its jobs, which BullMQ retries (the writes are idempotent).
 */
class CommitBatcher {
  private pending: {
    item: PreparedVersion;
    publish: WriteVersionInput['publish'];
    resolve: (result: WriteVersionResult) => void;
    reject: (error: unknown) => void;
  }[] = [];
  private scheduled = false;

  submit(item: PreparedVersion, publish: WriteVersionInput['publish']): Promise<WriteVersionResult> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, publish, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setTimeout(() => void this.drain(), BATCH_LINGER_MS);
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_BATCH);
      try {
        const results = await commitSourceVersions(
          batch.map((b) => b.item),
          batch[0]?.publish as WriteVersionInput['publish'],
        );
        batch.forEach((b, i) => {
          b.resolve(results[i] as WriteVersionResult);
        });
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
    this.scheduled = false;
  }
}

/**
 * The upload's bytes: from the Redis copy the upload left (small files), else by the part ids the job
 * carries (one indexed read each). Empty when any part is gone.
 */
async function loadUpload(
  runtime: KnowledgeRuntime,
  tenantId: Types.ObjectId,
  sourceId: Types.ObjectId,
  job: IngestJob,
) {
  const { version, parts: ids } = job.data;
  const { redis, config } = runtime;
  if (ids.length === 0) return [];
  if (redis) {
    const cached = await redis
      .mgetBuffer(...ids.map((id) => uploadCacheKey(config.REDIS_PREFIX, id)))
      .catch(() => []);
    if (cached.length === ids.length && cached.every((b) => b !== null)) {
      return cached.map((data) => ({ data: data as Buffer }));
    }
  }
  const parts = await findEachInTenant(KnowledgeUploadModel, ids, tenantId);
  const mine = parts.filter((p) => p?.sourceId.equals(sourceId) && p.version === version);
  return mine.length === ids.length ? (mine as NonNullable<(typeof parts)[number]>[]) : [];
}

/** Is `version` the source's live version now (its switch happened)? */
async function isLive(tenantId: Types.ObjectId, sourceId: Types.ObjectId, version: number) {
  const source = await findInTenant(KnowledgeSourceModel, sourceId, tenantId, { version: 1 });
  return source?.version === version;
}

/** Marks the upload failed with a plain reason; the previous version (if any) stays live. */
async function fail(tenantId: Types.ObjectId, sourceId: Types.ObjectId, version: number, reason: string) {
  // Never the live version's chunks: a failure after the switch is finished by the retry instead.
  if (await isLive(tenantId, sourceId, version)) return;
  await discardVersion(tenantId, sourceId, version);
  await KnowledgeSourceModel.updateOne(
    { _id: sourceId, tenantId, pendingVersion: version },
    { $set: { status: 'failed', error: reason, progress: 0, pendingHash: null, pendingVersion: null } },
  );
}

/**
 * The knowledge queue's handlers. One upload budget and one commit batcher per set of handlers: they
 * share the process's memory and database writes among the jobs running at once.
 */
export function knowledgeJobs(runtime: KnowledgeRuntime): QueueHandlers<'knowledge'> {
  const budget = new ByteBudget(BYTES_IN_FLIGHT);
  const batcher = new CommitBatcher();
  return {
    /**
     * Parse, chunk, embed (when a model is configured), write, switch. Bad files end as a failed source
     * with the reason (no retry); infrastructure errors retry, and the last attempt records the failure.
     */
    async ingest(job, { logger }) {
      const { config, redis } = runtime;
      const tenantId = new Types.ObjectId(job.data.tenantId);
      const sourceId = new Types.ObjectId(job.data.sourceId);
      const { version } = job.data;
      const publish = { redis, prefix: config.REDIS_PREFIX, logger };
      const source = await findInTenant(KnowledgeSourceModel, sourceId, tenantId);
      if (!source) {
        await discardVersion(tenantId, sourceId, version);
        return { skipped: 'removed' };
      }
      if (source.version === version && source.pendingVersion === null) {
        // Switched already: an earlier run stopped between the switch and "ready" (a crash, a lost
        // connection). Finish it rather than leave the source "processing" for ever.
        if (source.status === 'queued' || source.status === 'processing') {
          await finishLiveVersions([{ source, version }], publish);
          return { finished: 'after a retry', chunks: source.chunkCount };
        }
        return { skipped: 'already live' };
      }
      if (source.version >= version || source.pendingVersion !== version) {
        // A newer upload took over: nothing to do for this one.
        if (source.version !== version)
          await KnowledgeUploadModel.deleteMany({ tenantId, sourceId, version });
        return { skipped: 'superseded' };
      }
      // Every step reports to the job (Redis); the source, which people poll, only hears about it when
      // the job runs long, since each write is a database round trip that small files cannot afford.
      const started = Date.now();
      let writtenAt = started;
      let written = 0;
      const progress = async (pct: number) => {
        await job.updateProgress(pct).catch(() => undefined);
        const now = Date.now();
        if (now - started < PROGRESS_AFTER_MS || now - writtenAt < PROGRESS_AFTER_MS || pct <= written)
          return;
        writtenAt = now;
        written = pct;
        await KnowledgeSourceModel.updateOne(
          { _id: sourceId, tenantId, pendingVersion: version },
          { $set: { progress: pct, status: 'processing' } },
        );
      };
      const release = await budget.acquire(source.sizeBytes);
      try {
        let prepared: PreparedVersion;
        try {
          const parts = await loadUpload(runtime, tenantId, sourceId, job);
          if (parts.length === 0) {
            await fail(tenantId, sourceId, version, 'the uploaded file is no longer stored; upload it again');
            return { failed: 'missing upload' };
          }
          // A Redis copy is a Buffer already; a stored part is a BSON Binary (its bytes in `.buffer`).
          const bytes = Buffer.concat(
            parts.map((p) => {
              const data = p.data as Buffer | { buffer: Uint8Array };
              return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer);
            }),
          );
          if (bytes.length > config.KB_MAX_FILE_BYTES) {
            await fail(tenantId, sourceId, version, 'the file is over the size limit');
            return { failed: 'too large' };
          }
          const parsed = await parseDocument(source.path, bytes, source.mimeType);
          prepared = await prepareSourceVersion({
            source,
            version,
            document: { format: parsed.format, content: parsed.content },
            mimeType: parsed.mimeType,
            // The process's shared embedder: its limit holds across all the jobs running here.
            config,
            embedder: createEmbedder(config),
            onProgress: progress,
            retry: job.attemptsMade > 0,
            publish,
          });
        } finally {
          release();
        }
        const result = await batcher.submit(prepared, publish);
        await job.updateProgress(100).catch(() => undefined);
        logger.info(
          { sourceId: String(sourceId), version, chunks: result.chunkCount },
          'knowledge source ingested',
        );
        return {
          live: result.live,
          chunks: result.chunkCount,
          ...(prepared.vectors ? { vectorsPending: prepared.vectors.pending } : {}),
        };
      } catch (error) {
        if (error instanceof UnsupportedDocumentError || error instanceof EmptyDocumentError) {
          await fail(tenantId, sourceId, version, error.message);
          return { failed: error.message };
        }
        await recordFailure(job, source, version, error);
        throw error;
      }
    },

    /** Fills the vectors a live version lacks; throws (so BullMQ backs off and retries) while some still do. */
    async embed(job, { logger }) {
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      return fillMissingVectors(job.data, { number: job.attemptsMade + 1, last }, runtime, logger);
    },
  };
}

/** After an infrastructure error: the last attempt records the failure; earlier ones clean up for the retry. */
async function recordFailure(job: IngestJob, source: KnowledgeSource, version: number, error: unknown) {
  const { tenantId, _id: sourceId } = source;
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  if (lastAttempt) {
    await fail(tenantId, sourceId, version, `ingestion failed: ${(error as Error).message}`).catch(
      () => undefined,
    );
    return;
  }
  // Keep the stored upload for the retry; only the partial chunks go (never a live version's).
  const live = await isLive(tenantId, sourceId, version).catch(() => true);
  if (!live) await KnowledgeChunkModel.deleteMany({ tenantId, sourceId, version }).catch(() => undefined);
}
