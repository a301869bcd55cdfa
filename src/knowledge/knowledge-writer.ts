import type { Redis } from 'ioredis';
import type { Types } from 'mongoose';
import type { Config } from '../config/env.js';
import { findInTenant } from '../db/by-id.js';
import type { Logger } from '../lib/logger.js';
import { documentToRecords } from './chunking.service.js';
import { embedTexts } from './embedding-fill.js';
import { EMBED_BACKOFF_MS, scheduleEmbedding } from './embedding-retry.js';
import { createEmbedder, type Embedder, embeddingText } from './embeddings.service.js';
import {
  KnowledgeChunkModel,
  type KnowledgeSource,
  KnowledgeSourceModel,
  KnowledgeStateModel,
  KnowledgeUploadModel,
  nextKnowledgeVersion,
} from './knowledge.models.js';
import type { ChunkRecord, DocumentFormat } from './knowledge.types.js';
import { announceSources, encodeEmbedding, type WireChunk } from './knowledge-context.js';

const WRITE_BATCH = 500;

/** Input of {@link writeSourceVersion}. */
export interface WriteVersionInput {
  source: Pick<KnowledgeSource, '_id' | 'tenantId' | 'courseId' | 'path' | 'title' | 'pendingHash'>;
  version: number;
  document: { format: DocumentFormat; content: string; title?: string };
  /** Recorded on the source when this version goes live (what the file turned out to be). */
  mimeType?: string;
  /** The process's settings: the embedder `config` describes when none is given, and how long to wait for it. */
  config: Config;
  /**
   * The embedder to use (null: none). Left out, the one `config` describes is used, and the chunks are
   * stored at once without vectors for the `knowledge.embed` job to fill (a request does not wait for them).
   */
  embedder?: Embedder | null;
  /** How long chunks wait for the embedder's limit before they are stored without vectors (default EMBEDDINGS_TIMEOUT_MS). */
  embedWaitMs?: number;
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

/** A version ready to be written: chunked (and embedded), not stored yet. */
export interface PreparedVersion {
  source: WriteVersionInput['source'];
  version: number;
  records: ChunkRecord[];
  /** A vector per record where one was made (none at all without an embedder). */
  embeddings?: (number[] | undefined)[];
  /** With an embedder: the model, and how many records still lack a vector and why. */
  vectors?: { model: string; pending: number; error: string | null; later: boolean; onlyWaited?: boolean };
  /**
   * Stored to be embedded later where this process knows no embedder (a web process whose embedding
   * server only the workers know, e.g. LOCAL_EMBEDDINGS): the fill job, which does, decides.
   */
  fillLater?: boolean;
  title: string;
  mimeType?: string;
  retry: boolean;
  onProgress?: WriteVersionInput['onProgress'];
}

/**
 * Makes one version of a source live without readers ever seeing half of it: write all the new
 * version's chunks, then switch `version` on the source in one update, then delete older versions'
 * chunks. A failure before the switch leaves the previous version answering (the caller removes the
 * partial chunks with {@link discardVersion}). Safe to run twice for the same version.
 */
export async function writeSourceVersion(input: WriteVersionInput): Promise<WriteVersionResult> {
  const prepared = await prepareSourceVersion(input);
  const [result] = await commitSourceVersions([prepared], input.publish);
  if (!result) throw new Error('nothing was committed');
  return result;
}

/** Chunks (and embeds) one version; nothing is stored yet. */
export async function prepareSourceVersion(input: WriteVersionInput): Promise<PreparedVersion> {
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

  // Embedding never decides whether a document is stored: whatever fails or waits too long is stored
  // lexically now and filled by the `knowledge.embed` job (see embedding-retry.ts).
  let embeddings: (number[] | undefined)[] | undefined;
  let vectors: PreparedVersion['vectors'];
  const later = input.embedder === undefined;
  const embedder = later ? createEmbedder(input.config) : input.embedder;
  const fillLater = later && !embedder;
  if (embedder && later) {
    vectors = { model: embedder.model, pending: records.length, error: null, later: true };
  } else if (embedder) {
    const filled = await embedTexts(embedder, records.map(embeddingText), {
      waitMs: input.embedWaitMs ?? input.config.EMBEDDINGS_TIMEOUT_MS,
      // A busy server's backlog is for the fill job: the document goes live lexically at once.
      skipLongLine: true,
      logger: input.publish.logger,
    });
    embeddings = filled.vectors;
    vectors = {
      model: embedder.model,
      pending: filled.pending,
      error: filled.error,
      later: false,
      onlyWaited: filled.onlyWaited,
    };
    await input.onProgress?.(80);
  }
  return {
    source,
    version,
    records,
    embeddings,
    vectors,
    title,
    mimeType: input.mimeType,
    fillLater,
    retry: input.retry !== false,
    onProgress: input.onProgress,
  };
}

/**
 * Writes and switches several prepared versions together, so a folder of small files costs a few
 * database round trips per batch instead of per file (FerretDB's fixed cost per operation dominates
 * small pages): one insert for all chunks, one switch per source, one version bump and one change
 * message per tenant, one "ready" per source. The results are in the order of `items`.
 */
export async function commitSourceVersions(
  items: readonly PreparedVersion[],
  publish: WriteVersionInput['publish'],
): Promise<WriteVersionResult[]> {
  // A retry starts clean (a first attempt has nothing to clean: skip the round trip).
  await Promise.all(
    items
      .filter((item) => item.retry)
      .map((item) =>
        KnowledgeChunkModel.deleteMany({
          tenantId: item.source.tenantId,
          sourceId: item.source._id,
          version: item.version,
        }),
      ),
  );
  const rows = items.flatMap((item) => chunkRows(item));
  for (let i = 0; i < rows.length; i += WRITE_BATCH) {
    // Straight to the driver: the rows are built complete here, and mongoose's per-document casting
    // and validation cost more CPU than the insert itself.
    await KnowledgeChunkModel.collection.insertMany(rows.slice(i, i + WRITE_BATCH), { ordered: true });
  }
  // One write at a time from here: FerretDB (SQLite) serialises writes anyway, and concurrent ones
  // contend for its lock far beyond their own cost. Filters are `_id` alone, the only filter FerretDB
  // answers from an index (each condition added makes an update scan the collection); the conditions
  // are checked on the document read by `_id` just before.
  //
  // A first version (nothing older to delete) goes live and ready in one update. Readers that check
  // the tenant's version stay correct because it changes before these switches (a reader that loaded
  // earlier reloads) and again after them (a reader that loaded in between reloads then).
  await bumpVersions(items.map((item) => item.source.tenantId));
  // The checks are reads by `_id` (concurrent reads are cheap); the switches go in one bulk write.
  const currents = await Promise.all(
    items.map((item) =>
      findInTenant(KnowledgeSourceModel, item.source._id, item.source.tenantId, {
        version: 1,
        pendingVersion: 1,
      }),
    ),
  );
  const switched = items.map((item, i) => {
    const current = currents[i];
    return (
      current !== null &&
      current !== undefined &&
      current.version < item.version &&
      current.pendingVersion === item.version
    );
  });
  const switches = items.flatMap((item, i) => {
    if (!switched[i]) return [];
    const { source, version } = item;
    const $set = {
      version,
      updatedAt: new Date(),
      title: item.title,
      contentHash: source.pendingHash ?? '',
      // A replacement is 'ready' only once the old version is gone (see finishLiveVersions).
      ...(version === 1 ? { status: 'ready', progress: 100 } : { progress: 98 }),
      error: null,
      chunkCount: item.records.length,
      vectors: vectorsOf(item),
      pendingHash: null,
      pendingVersion: null,
      ...(item.mimeType ? { mimeType: item.mimeType } : {}),
    };
    return [{ updateOne: { filter: { _id: source._id }, update: { $set } } }];
  });
  if (switches.length > 0) await KnowledgeSourceModel.collection.bulkWrite(switches, { ordered: true });
  for (const [i, item] of items.entries()) {
    if (!switched[i]) await discardVersion(item.source.tenantId, item.source._id, item.version);
  }
  const live = items.filter((_, i) => switched[i]);
  await finishLiveVersions(
    live.map((item) => ({ source: item.source, version: item.version, item, ready: item.version === 1 })),
    publish,
  );
  // Only after the change message above: the fill's own message (with the vectors) must come after it.
  for (const item of live) {
    // (Without an embedder known here nor Redis to ask a worker, there is nobody to fill them.)
    if (item.fillLater ? !publish.redis : !item.vectors || item.vectors.pending === 0) continue;
    await scheduleEmbedding(
      publish,
      { tenantId: String(item.source.tenantId), sourceId: String(item.source._id), version: item.version },
      item.fillLater || item.vectors?.later ? 0 : EMBED_BACKOFF_MS,
    );
  }
  return items.map((item, i) => ({
    live: switched[i] === true,
    chunkCount: switched[i] ? item.records.length : 0,
    title: item.title,
  }));
}

/** Sets a fresh knowledge version for each tenant; returns them by tenant id. */
async function bumpVersions(tenantIds: readonly Types.ObjectId[]): Promise<Map<string, number>> {
  const versions = new Map<string, number>();
  for (const tenantId of tenantIds) {
    if (versions.has(String(tenantId))) continue;
    const version = nextKnowledgeVersion();
    versions.set(String(tenantId), version);
    await KnowledgeStateModel.updateOne({ tenantId }, { $set: { version } }, { upsert: true });
  }
  return versions;
}

/**
 * What follows a switch, for versions that are live: older versions' chunks and uploads go, the
 * tenant's version is bumped and other processes are told (with the chunks, when known), then the
 * sources not marked ready yet are. Also finishes a version whose job died after its switch.
 */
export async function finishLiveVersions(
  live: readonly {
    source: Pick<KnowledgeSource, '_id' | 'tenantId'>;
    version: number;
    item?: PreparedVersion;
    /** Marked ready by its switch already. */
    ready?: boolean;
  }[],
  publish: WriteVersionInput['publish'],
): Promise<void> {
  if (live.length === 0) return;
  const replaced = live.filter((l) => l.version > 1);
  if (replaced.length > 0) {
    // One query each for the whole batch: every query on these collections scans them on FerretDB.
    const older = {
      $or: replaced.map((l) => ({
        tenantId: l.source.tenantId,
        sourceId: l.source._id,
        version: { $lt: l.version },
      })),
    };
    await Promise.all([KnowledgeChunkModel.deleteMany(older), KnowledgeUploadModel.deleteMany(older)]);
  }
  const versions = await bumpVersions(live.map((l) => l.source.tenantId));
  for (const [tenantId, version] of versions) {
    const group = live.filter((l) => String(l.source.tenantId) === tenantId);
    const records = group.every((l) => l.item)
      ? group.flatMap((l) => (l.item ? wireChunks(l.item) : []))
      : undefined;
    await announceSources(
      publish.redis,
      publish.prefix,
      { tenantId, version, sourceIds: group.map((l) => String(l.source._id)), records },
      publish.logger,
    );
  }
  for (const l of live) {
    if (l.ready) continue;
    await KnowledgeSourceModel.updateOne(
      { _id: l.source._id, tenantId: l.source.tenantId, version: l.version, pendingVersion: null },
      { $set: { status: 'ready', progress: 100 } },
    );
  }
}

/** The source's search-by-meaning state as its switch records it (null: no embedder). */
function vectorsOf(item: PreparedVersion): KnowledgeSource['vectors'] {
  if (!item.vectors) return null;
  const { model, pending, error, later, onlyWaited } = item.vectors;
  return {
    version: item.version,
    model,
    total: item.records.length,
    pending,
    error,
    attempts: pending > 0 && !later && !onlyWaited ? 1 : 0,
    gaveUp: false,
    updatedAt: new Date(),
  };
}

function chunkRows(item: PreparedVersion) {
  const { source, version, records, embeddings } = item;
  const marked = Boolean(item.vectors);
  return records.map((r, j) => ({
    tenantId: source.tenantId,
    courseId: source.courseId ?? null,
    sourceId: source._id,
    version,
    ordinal: r.ordinal,
    title: r.title,
    heading: r.heading,
    path: r.path,
    text: r.text,
    ...(embeddings?.[j] ? { embedding: embeddings[j] } : marked ? { embedPending: true } : {}),
  }));
}

function wireChunks(item: PreparedVersion): WireChunk[] {
  const { source, records, embeddings } = item;
  return records.map((r, j) => wireChunk(source, r, embeddings?.[j]));
}

/** One chunk as index-change messages carry it (the vector, when there is one, packed). */
function wireChunk(
  source: Pick<KnowledgeSource, '_id' | 'courseId'>,
  r: { ordinal: number; title: string; heading: string; path: string; text: string },
  embedding: readonly number[] | undefined,
): WireChunk {
  return {
    sourceId: String(source._id),
    courseId: source.courseId ?? null,
    title: r.title,
    heading: r.heading,
    path: r.path,
    ordinal: r.ordinal,
    text: r.text,
    ...(embedding && embedding.length > 0 ? { e: encodeEmbedding(embedding) } : {}),
  };
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

/**
 * Tells every process that some chunks of a live version changed in place (their vectors were filled):
 * the tenant's version is bumped and the source's live chunks go out in the change message.
 */
export async function announceChunks(
  source: Pick<KnowledgeSource, '_id' | 'tenantId' | 'courseId'>,
  rows: readonly {
    ordinal: number;
    title: string;
    heading: string;
    path: string;
    text: string;
    embedding?: readonly number[];
  }[],
  publish: WriteVersionInput['publish'],
): Promise<void> {
  const versions = await bumpVersions([source.tenantId]);
  const version = versions.get(String(source.tenantId)) as number;
  const records: WireChunk[] = rows.map((r) => wireChunk(source, r, r.embedding));
  await announceSources(
    publish.redis,
    publish.prefix,
    { tenantId: String(source.tenantId), version, sourceIds: [String(source._id)], records },
    publish.logger,
  );
}
