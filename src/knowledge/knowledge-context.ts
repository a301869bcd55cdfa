/** Knowledge change messages: what a writer publishes after a change and every web process's index applies. */
import type { Redis } from 'ioredis';
import type { Logger } from '../lib/logger.js';
import type { ChunkRecord } from './knowledge.types.js';

/** A chunk as carried inside a change message (the embedding as base64 of its float32 bytes). */
export type WireChunk = Omit<ChunkRecord, 'chunkId' | 'embedding'> & { e?: string };

/** What a knowledge change message says: these sources of this tenant changed (or were removed). */
export interface KnowledgeChange {
  tenantId: string;
  sourceId?: string;
  /** Every source the change touched (a batch of ingestions is one change). */
  sourceIds?: string[];
  /**
   * The tenant's change number from Redis (INCR, so consecutive and never shared): a reader that has
   * applied change n can apply n + 1 in memory; any gap means a full reload from MongoDB.
   */
  seq?: number;
  /** The live chunks of `sourceIds` after the change, when small enough to send (saves every reader a query). */
  records?: WireChunk[];
  /** The tenant's knowledge version after the change. */
  version: number;
}

/** Redis pub/sub channel of knowledge changes. */
export const knowledgeChannel = (prefix: string) => `${prefix}:knowledge`;

/** Redis counter of a tenant's changes (see {@link KnowledgeChange.seq}). */
export const knowledgeSeqKey = (prefix: string, tenantId: string) => `${prefix}:knowledge:seq:${tenantId}`;

/** Change messages above this size carry only source ids; readers then query those sources' chunks. */
export const MAX_INLINE_CHANGE_BYTES = 4 * 1024 * 1024;

/** Encodes an embedding for a change message. */
export function encodeEmbedding(values: ArrayLike<number>): string {
  const floats = Float32Array.from(values as ArrayLike<number>);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString('base64');
}

/** Decodes {@link encodeEmbedding}. */
export function decodeEmbedding(encoded: string): Float32Array {
  const bytes = Buffer.from(encoded, 'base64');
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/**
 * Numbers and publishes a change of some sources: INCR the tenant's change counter, then PUBLISH with
 * the live chunks inline when they fit. Never throws (a missed message is caught up by the version check).
 */
export async function announceSources(
  redis: Redis | undefined,
  prefix: string,
  change: { tenantId: string; version: number; sourceIds: string[]; records?: WireChunk[] },
  logger?: Logger,
): Promise<void> {
  if (!redis) return;
  let seq: number | undefined;
  try {
    seq = await redis.incr(knowledgeSeqKey(prefix, change.tenantId));
  } catch (error) {
    logger?.warn({ err: error, tenantId: change.tenantId }, 'could not number a knowledge change');
  }
  const message: KnowledgeChange = {
    tenantId: change.tenantId,
    version: change.version,
    sourceIds: change.sourceIds,
    ...(change.sourceIds.length === 1 ? { sourceId: change.sourceIds[0] } : {}),
    ...(seq !== undefined ? { seq } : {}),
  };
  let payload = JSON.stringify(message);
  if (change.records && seq !== undefined) {
    const full = JSON.stringify({ ...message, records: change.records });
    if (full.length <= MAX_INLINE_CHANGE_BYTES) payload = full;
  }
  try {
    await redis.publish(knowledgeChannel(prefix), payload);
  } catch (error) {
    logger?.warn({ err: error, tenantId: change.tenantId }, 'could not publish a knowledge change');
  }
}

/** Publishes a change; never throws (a missed message is caught up by the version check). */
export async function publishKnowledgeChange(
  redis: Redis | undefined,
  prefix: string,
  change: KnowledgeChange,
  logger?: Logger,
): Promise<void> {
  if (!redis) return;
  try {
    await redis.publish(knowledgeChannel(prefix), JSON.stringify(change));
  } catch (error) {
    logger?.warn({ err: error, tenantId: change.tenantId }, 'could not publish a knowledge change');
  }
}
