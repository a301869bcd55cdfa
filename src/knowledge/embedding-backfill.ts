import { Types } from 'mongoose';
import { findInTenant } from '../db/by-id.js';
import type { Logger } from '../lib/logger.js';
import { embedTexts } from './embedding-fill.js';
import { createEmbedder, embeddingText } from './embeddings.service.js';
import {
  type KnowledgeChunk,
  KnowledgeChunkModel,
  KnowledgeSourceModel,
  type SourceVectors,
} from './knowledge.models.js';
import type { KnowledgeRuntime } from './knowledge-runtime.js';
import { announceChunks } from './knowledge-writer.js';

/**
 * A fill waits this many EMBEDDINGS_TIMEOUT_MS for slots before it counts as a (busy, not failed) try:
 * long, because giving up leaves the server idle while the jobs back off, and its document is live.
 */
const RETRY_WAIT_FACTOR = 10;

/** Still missing after a try: the job fails so BullMQ tries again after its backoff. */
export class VectorsStillMissingError extends Error {
  constructor(
    readonly pending: number,
    reason: string,
  ) {
    super(`${pending} passages still lack vectors: ${reason}`);
    this.name = 'VectorsStillMissingError';
  }
}

type ChunkRow = Pick<KnowledgeChunk, '_id' | 'ordinal' | 'title' | 'heading' | 'path' | 'text' | 'embedding'>;

/**
 * The `knowledge.embed` job: gives the chunks of a live source version the vectors they lack (cache
 * first, then the embedding server through the process's shared limit), records the state on the
 * source, and loads the filled chunks into every process's index. Safe to run twice: chunks with a
 * vector are left alone, and a version that is no longer live is skipped.
 */
export async function fillMissingVectors(
  target: { tenantId: string; sourceId: string; version: number },
  attempt: { number: number; last: boolean },
  runtime: KnowledgeRuntime,
  logger?: Logger,
): Promise<{ filled: number; pending: number } | { skipped: string }> {
  const { config, redis } = runtime;
  const tenantId = new Types.ObjectId(target.tenantId);
  const sourceId = new Types.ObjectId(target.sourceId);
  const { version } = target;
  const source = await findInTenant(KnowledgeSourceModel, sourceId, tenantId);
  if (source?.version !== version) return { skipped: 'not live' };
  const embedder = createEmbedder(config);
  if (!embedder) return { skipped: 'no embedding server configured' };

  const rows = await KnowledgeChunkModel.find({ tenantId, sourceId, version })
    .sort({ ordinal: 1 })
    .lean<ChunkRow[]>();
  const missing = rows.filter((r) => !r.embedding || r.embedding.length === 0);
  // Paused after a server fault (at most 30 s): wait it out and be the probe, rather than spend a try
  // failing at once.
  const paused = embedder.pausedFor();
  if (missing.length > 0 && paused > 0) await new Promise((resolve) => setTimeout(resolve, paused));
  let error: string | null = null;
  let onlyWaited = false;
  let filled = 0;
  if (missing.length > 0) {
    // A background job can wait longer for a slot than an upload: on a busy server, giving up early
    // only sends the same passages to the back of the line again.
    const result = await embedTexts(embedder, missing.map(embeddingText), {
      waitMs: RETRY_WAIT_FACTOR * config.EMBEDDINGS_TIMEOUT_MS,
      priority: 'backfill',
      logger,
    });
    error = result.error;
    onlyWaited = result.onlyWaited;
    const writes = missing.flatMap((row, i) => {
      const vector = result.vectors[i];
      if (!vector) return [];
      row.embedding = vector;
      return [
        {
          updateOne: {
            filter: { _id: row._id },
            update: { $set: { embedding: vector }, $unset: { embedPending: '' } },
          },
        },
      ];
    });
    filled = writes.length;
    if (writes.length > 0) await KnowledgeChunkModel.collection.bulkWrite(writes, { ordered: false });
  }
  const pending = rows.filter((r) => !r.embedding || r.embedding.length === 0).length;
  const previous = source.vectors;
  const vectors: SourceVectors = {
    version,
    model: embedder.model,
    total: rows.length,
    pending,
    error: pending > 0 ? error : null,
    // A busy server (passages still waiting for a slot) is not a failing one: such tries do not count.
    attempts:
      pending > 0 ? (previous?.version === version ? previous.attempts : 0) + (onlyWaited ? 0 : 1) : 0,
    gaveUp: pending > 0 && attempt.last,
    updatedAt: new Date(),
  };
  // Loaded into the indexes first, so "ready" on the page means questions can use the vectors.
  if (filled > 0) {
    const still = await KnowledgeSourceModel.findById(sourceId, { version: 1 }).lean();
    if (still?.version === version)
      await announceChunks(source, rows, { redis, prefix: config.REDIS_PREFIX, logger });
  }
  // Only while this version is still the live one (a newer upload brings its own state).
  await KnowledgeSourceModel.updateOne({ _id: sourceId, version }, { $set: { vectors } });
  if (pending > 0) throw new VectorsStillMissingError(pending, error ?? 'no vector was returned');
  return { filled, pending };
}
