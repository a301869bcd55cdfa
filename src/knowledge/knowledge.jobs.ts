import { Types } from 'mongoose';
import type { QueueHandlers } from '../jobs/workers.js';
import { parseDocument, UnsupportedDocumentError } from './document-parser.service.js';
import { createEmbedder } from './embeddings.service.js';
import { KnowledgeChunkModel, KnowledgeSourceModel, KnowledgeUploadModel } from './knowledge.models.js';
import { knowledgeRuntime } from './knowledge-context.js';
import { discardVersion, EmptyDocumentError, writeSourceVersion } from './knowledge-writer.js';

/** Marks the upload failed with a plain reason; the previous version (if any) stays live. */
async function fail(tenantId: Types.ObjectId, sourceId: Types.ObjectId, version: number, reason: string) {
  await discardVersion(tenantId, sourceId, version);
  await KnowledgeSourceModel.updateOne(
    { _id: sourceId, tenantId, pendingVersion: version },
    { $set: { status: 'failed', error: reason, progress: 0, pendingHash: null, pendingVersion: null } },
  );
}

export const knowledgeJobs: QueueHandlers<'knowledge'> = {
  /**
   * Parse, chunk, embed (when a model is configured), write, switch. Bad files end as a failed source
   * with the reason (no retry); infrastructure errors retry, and the last attempt records the failure.
   */
  async ingest(job, { logger }) {
    const { config, redis } = knowledgeRuntime();
    const tenantId = new Types.ObjectId(job.data.tenantId);
    const sourceId = new Types.ObjectId(job.data.sourceId);
    const { version } = job.data;
    const source = await KnowledgeSourceModel.findOne({ _id: sourceId, tenantId }).lean();
    if (!source) {
      await discardVersion(tenantId, sourceId, version);
      return { skipped: 'removed' };
    }
    if (source.version >= version || source.pendingVersion !== version) {
      // A newer upload took over (or this one is already live): nothing to do for this one.
      if (source.version !== version) await KnowledgeUploadModel.deleteMany({ tenantId, sourceId, version });
      return { skipped: 'superseded' };
    }
    // Every step reports to the job; the source (what people poll) is written at most every 25 points,
    // since each write is a database round trip.
    let written = -100;
    const progress = async (pct: number) => {
      await job.updateProgress(pct);
      if (pct - written < 25) return;
      written = pct;
      await KnowledgeSourceModel.updateOne(
        { _id: sourceId, tenantId, pendingVersion: version },
        { $set: { progress: pct, status: 'processing' } },
      );
    };
    await progress(5);
    try {
      const parts = await KnowledgeUploadModel.find({ tenantId, sourceId, version }).sort({ n: 1 }).lean();
      if (parts.length === 0) {
        await fail(tenantId, sourceId, version, 'the uploaded file is no longer stored; upload it again');
        return { failed: 'missing upload' };
      }
      const bytes = Buffer.concat(parts.map((p) => Buffer.from(p.data.buffer ?? p.data)));
      if (bytes.length > config.KB_MAX_FILE_BYTES) {
        await fail(tenantId, sourceId, version, 'the file is over the size limit');
        return { failed: 'too large' };
      }
      const parsed = await parseDocument(source.path, bytes, source.mimeType);
      await progress(15);
      const result = await writeSourceVersion({
        source,
        version,
        document: { format: parsed.format, content: parsed.content },
        mimeType: parsed.mimeType,
        embedder: createEmbedder(config),
        onProgress: progress,
        retry: job.attemptsMade > 0,
        publish: { redis, prefix: config.REDIS_PREFIX, logger },
      });
      if (result.live) {
        await KnowledgeSourceModel.updateOne(
          { _id: sourceId, tenantId },
          { $set: { mimeType: parsed.mimeType } },
        );
      }
      await job.updateProgress(100);
      logger.info(
        { sourceId: String(sourceId), version, chunks: result.chunkCount },
        'knowledge source ingested',
      );
      return { live: result.live, chunks: result.chunkCount };
    } catch (error) {
      if (error instanceof UnsupportedDocumentError || error instanceof EmptyDocumentError) {
        await fail(tenantId, sourceId, version, error.message);
        return { failed: error.message };
      }
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (lastAttempt) {
        await fail(tenantId, sourceId, version, `ingestion failed: ${(error as Error).message}`);
      } else {
        // Keep the stored upload for the retry; only the partial chunks go.
        await KnowledgeChunkModel.deleteMany({ tenantId, sourceId, version }).catch(() => undefined);
      }
      throw error;
    }
  },
};
