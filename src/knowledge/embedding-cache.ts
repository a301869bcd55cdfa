import { createHash } from 'node:crypto';
import type { Logger } from '../lib/logger.js';
import { EmbeddingLimiter } from './embedding-limiter.js';
import { KnowledgeEmbeddingModel } from './knowledge.models.js';

/** The cache key of a text embedded by a model. */
export const embeddingCacheKey = (model: string, text: string) =>
  createHash('sha256').update(model).update('\n').update(text).digest('hex');

const toBytes = (vector: readonly number[]) => {
  const floats = Float32Array.from(vector);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
};

const fromBytes = (stored: unknown): number[] | undefined => {
  // A Buffer when mongoose casts it, a BSON Binary (bytes in `.buffer`) from a lean read.
  const data = stored as Buffer | { buffer: Uint8Array } | undefined;
  if (!data) return undefined;
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer);
  if (bytes.length === 0 || bytes.length % 4 !== 0) return undefined;
  const copy = new Uint8Array(bytes);
  return Array.from(new Float32Array(copy.buffer));
};

/**
 * Cache reads in flight per process, whatever number of ingestion jobs ask at once (64 by default):
 * each is a read by `_id`, the one filter FerretDB 1.x answers from an index, but thousands at once
 * would starve the database of everything else.
 */
const reads = new EmbeddingLimiter(8);

/**
 * Vectors stored earlier for these texts (by position; undefined where none). Never throws: a cache
 * that cannot be read only costs embedding calls.
 */
export async function cachedEmbeddings(
  model: string,
  texts: readonly string[],
  logger?: Logger,
): Promise<(number[] | undefined)[]> {
  const out: (number[] | undefined)[] = new Array(texts.length).fill(undefined);
  try {
    const rows = await Promise.all(
      texts.map((text) =>
        reads.run(() =>
          KnowledgeEmbeddingModel.findOne({ _id: embeddingCacheKey(model, text) }, { v: 1 })
            .lean()
            .exec(),
        ),
      ),
    );
    rows.forEach((row, i) => {
      out[i] = fromBytes(row?.v);
    });
  } catch (error) {
    logger?.warn({ err: error }, 'embedding cache could not be read; embedding again');
  }
  return out;
}

/** Stores vectors for later ingestions; duplicates (stored meanwhile by another job) are fine. Never throws. */
export async function storeEmbeddings(
  model: string,
  entries: readonly { text: string; vector: readonly number[] }[],
  logger?: Logger,
): Promise<void> {
  if (entries.length === 0) return;
  const seen = new Set<string>();
  const docs = [];
  for (const { text, vector } of entries) {
    const _id = embeddingCacheKey(model, text);
    if (seen.has(_id) || vector.length === 0) continue;
    seen.add(_id);
    docs.push({ _id, model, v: toBytes(vector) });
  }
  try {
    // lean: the documents are built complete here; no casting or validation needed.
    await KnowledgeEmbeddingModel.insertMany(docs, { ordered: false, lean: true });
  } catch (error) {
    const writeErrors = (error as { writeErrors?: { code?: number }[] | { code?: number } }).writeErrors;
    const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
    const onlyDuplicates =
      (error as { code?: number }).code === 11000 || (list.length > 0 && list.every((e) => e.code === 11000));
    if (!onlyDuplicates) logger?.warn({ err: error }, 'embedding cache could not be written');
  }
}
