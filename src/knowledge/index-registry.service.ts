import type { Redis } from 'ioredis';
import { Types } from 'mongoose';
import type { Logger } from '../lib/logger.js';
import type { LiveBus } from '../live/live-bus.js';
import { RedisLiveBus } from '../live/redis-live-bus.js';
import { chunkIdFor } from './chunking.service.js';
import {
  type KnowledgeChunk,
  KnowledgeChunkModel,
  KnowledgeSourceModel,
  KnowledgeStateModel,
} from './knowledge.models.js';
import type { ChunkRecord } from './knowledge.types.js';
import {
  decodeEmbedding,
  type KnowledgeChange,
  knowledgeSeqKey,
  type WireChunk,
} from './knowledge-context.js';
import {
  type AskOptions,
  type AskResult,
  KnowledgeEngine,
  type KnowledgeEngineOptions,
} from './knowledge-engine.service.js';

/** Options of {@link KnowledgeIndexRegistry}. */
export interface KnowledgeIndexRegistryOptions {
  /** Any connection to Redis, to read the tenants' change counters. */
  redis?: Redis;
  /**
   * The process's live bus: change messages arrive on its `knowledge` topic. Without it, a registry
   * given `redis` listens on a duplicate of that connection (tools, tests); with neither, changes are
   * noticed by the version check alone.
   */
  bus?: LiveBus;
  prefix: string;
  logger?: Logger;
  engine?: KnowledgeEngineOptions;
  /** How often (at most) a question triggers a look at the tenant's version counter. Default 2000 ms. */
  checkIntervalMs?: number;
}

interface TenantEntry {
  /** The tenant's knowledge version the in-memory index reflects; -1 before the first load. */
  version: number;
  /** The last change number (Redis counter) reflected, when known: n + 1 can be applied in memory. */
  seq?: number;
  checkedAt: number;
  /** Operations on one tenant run one after another. */
  queue: Promise<void>;
}

type ChunkRow = Omit<KnowledgeChunk, 'tenantId' | 'embedPending'>;

/** A chunk as the in-memory index holds it, from its fields however they arrived (database or message). */
const recordOf = (chunk: Omit<WireChunk, 'e'>, embedding: Float32Array | undefined): ChunkRecord => ({
  chunkId: chunkIdFor(chunk.sourceId, chunk.ordinal),
  sourceId: chunk.sourceId,
  courseId: chunk.courseId ?? null,
  title: chunk.title,
  heading: chunk.heading ?? '',
  path: chunk.path,
  ordinal: chunk.ordinal,
  text: chunk.text,
  ...(embedding ? { embedding } : {}),
});

const toRecord = (row: ChunkRow): ChunkRecord =>
  recordOf(
    { ...row, sourceId: String(row.sourceId) },
    row.embedding && row.embedding.length > 0 ? Float32Array.from(row.embedding) : undefined,
  );

const fromWire = (chunk: WireChunk): ChunkRecord =>
  recordOf(chunk, chunk.e ? decodeEmbedding(chunk.e) : undefined);

/**
 * Each web process's in-memory search indexes, one per tenant, loaded lazily from MongoDB and kept
 * current without a restart: a Redis message after every write reloads the changed source at once,
 * and a cheap version check (the tenant's change counter) on questions catches anything missed.
 */
export class KnowledgeIndexRegistry {
  private readonly engine: KnowledgeEngine;
  private readonly tenants = new Map<string, TenantEntry>();
  private stopListening?: () => void;
  /** The bus this registry built for itself (no `bus` given), closed with it. */
  private ownBus?: RedisLiveBus;
  private readonly checkIntervalMs: number;

  constructor(private readonly options: KnowledgeIndexRegistryOptions) {
    this.engine = new KnowledgeEngine(options.engine);
    this.checkIntervalMs = options.checkIntervalMs ?? 2000;
  }

  /** Listens to change messages (on the given bus, or on its own when only a Redis connection was given). */
  async start(): Promise<void> {
    if (this.stopListening) return;
    const { redis, prefix, logger } = this.options;
    let bus = this.options.bus;
    if (!bus && redis) {
      const subscriber = redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true });
      subscriber.on('error', () => undefined);
      this.ownBus = new RedisLiveBus({ publisher: redis, subscriber, prefix, logger });
      await this.ownBus.start();
      bus = this.ownBus;
    }
    this.stopListening = bus?.subscribe('knowledge', (message) => this.onMessage(message));
  }

  /** Stops listening; the in-memory indexes go with the object. */
  async close(): Promise<void> {
    this.stopListening?.();
    this.stopListening = undefined;
    const own = this.ownBus;
    this.ownBus = undefined;
    await own?.close();
  }

  /** Searches a tenant's knowledge (loading or refreshing it first when needed). */
  async ask(tenantId: string, question: string, options: AskOptions = {}): Promise<AskResult> {
    await this.ensure(tenantId);
    return this.engine.ask(tenantId, question, options);
  }

  /** Chunks in memory for a tenant (0 when not loaded). */
  size(tenantId: string): number {
    return this.engine.size(tenantId);
  }

  /** True when some loaded chunk of the tenant has an embedding. */
  async hasVectors(tenantId: string): Promise<boolean> {
    await this.ensure(tenantId);
    return this.engine.vectorCount(tenantId) > 0;
  }

  /** Makes sure a tenant's index is loaded and not older than the check interval. */
  async ensure(tenantId: string): Promise<void> {
    let entry = this.tenants.get(tenantId);
    if (!entry) {
      entry = { version: -1, checkedAt: 0, queue: Promise.resolve() };
      this.tenants.set(tenantId, entry);
    }
    if (entry.version >= 0 && Date.now() - entry.checkedAt < this.checkIntervalMs) return;
    await this.serialise(entry, async () => {
      if (entry.version >= 0 && Date.now() - entry.checkedAt < this.checkIntervalMs) return;
      const current = await this.storedVersion(tenantId);
      if (current !== entry.version) await this.loadTenant(tenantId, entry, current);
      entry.checkedAt = Date.now();
    });
  }

  /** Forgets a tenant's in-memory index (it is reloaded on the next question). */
  invalidate(tenantId: string): void {
    this.tenants.delete(tenantId);
    this.engine.dropTenant(tenantId);
  }

  private serialise(entry: TenantEntry, work: () => Promise<void>): Promise<void> {
    const next = entry.queue.then(work);
    entry.queue = next.catch(() => undefined);
    return next;
  }

  private async storedVersion(tenantId: string): Promise<number> {
    if (!Types.ObjectId.isValid(tenantId)) return 0;
    const state = await KnowledgeStateModel.findOne({ tenantId: new Types.ObjectId(tenantId) }).lean();
    return state?.version ?? 0;
  }

  private async loadTenant(tenantId: string, entry: TenantEntry, version: number): Promise<void> {
    // The change number before reading: every change numbered up to it switched before this read.
    entry.seq = await this.currentSeq(tenantId);
    this.engine.dropTenant(tenantId);
    if (Types.ObjectId.isValid(tenantId)) {
      const tenant = new Types.ObjectId(tenantId);
      const live = new Map<string, number>();
      for (const s of await KnowledgeSourceModel.find(
        { tenantId: tenant, version: { $gt: 0 } },
        { version: 1 },
      ).lean())
        live.set(String(s._id), s.version);
      const records: ChunkRecord[] = [];
      const cursor = KnowledgeChunkModel.find({ tenantId: tenant })
        .lean<ChunkRow[]>()
        .cursor({ batchSize: 2000 });
      for await (const row of cursor) {
        if (live.get(String(row.sourceId)) === row.version) records.push(toRecord(row));
      }
      this.engine.load(tenantId, records);
    }
    entry.version = version;
    this.options.logger?.debug(
      { tenantId, chunks: this.engine.size(tenantId), version },
      'knowledge index loaded',
    );
  }

  private async currentSeq(tenantId: string): Promise<number | undefined> {
    if (!this.options.redis) return undefined;
    try {
      return Number((await this.options.redis.get(knowledgeSeqKey(this.options.prefix, tenantId))) ?? 0);
    } catch {
      return undefined;
    }
  }

  /** Reloads some sources of a tenant from MongoDB (one chunk query for all of them). */
  private async reloadSources(tenantId: string, sourceIds: readonly string[]): Promise<void> {
    const tenant = new Types.ObjectId(tenantId);
    const live: { sourceId: Types.ObjectId; version: number }[] = [];
    for (const sourceId of sourceIds) {
      this.engine.removeSource(tenantId, sourceId);
      if (!Types.ObjectId.isValid(sourceId)) continue;
      const source = await KnowledgeSourceModel.findOne(
        { _id: new Types.ObjectId(sourceId), tenantId: tenant },
        { version: 1 },
      ).lean();
      if (source && source.version > 0) live.push({ sourceId: source._id, version: source.version });
    }
    if (live.length === 0) return;
    const rows = await KnowledgeChunkModel.find({
      tenantId: tenant,
      $or: live.map((l) => ({ sourceId: l.sourceId, version: l.version })),
    }).lean<ChunkRow[]>();
    this.engine.load(tenantId, rows.map(toRecord));
  }

  /** Applies a change in memory: its sources' chunks are replaced by the ones it carries. */
  private applyRecords(tenantId: string, sourceIds: readonly string[], records: readonly WireChunk[]): void {
    for (const sourceId of sourceIds) this.engine.removeSource(tenantId, sourceId);
    this.engine.load(tenantId, records.map(fromWire));
  }

  private onMessage(message: string): void {
    let change: KnowledgeChange;
    try {
      change = JSON.parse(message) as KnowledgeChange;
    } catch {
      return;
    }
    const entry = this.tenants.get(change.tenantId);
    // Not loaded here: the first question loads it fresh anyway.
    if (!entry || entry.version < 0) return;
    void this.serialise(entry, async () => {
      const sourceIds = change.sourceIds ?? (change.sourceId ? [change.sourceId] : []);
      if (change.seq !== undefined && entry.seq !== undefined) {
        // Numbered changes: already reflected, the next one (applied here), or a gap (reload all).
        if (change.seq <= entry.seq) return;
        if (change.seq === entry.seq + 1 && sourceIds.length > 0) {
          if (change.records) this.applyRecords(change.tenantId, sourceIds, change.records);
          else await this.reloadSources(change.tenantId, sourceIds);
          entry.seq = change.seq;
          entry.version = change.version;
          entry.checkedAt = Date.now();
          return;
        }
      } else if (change.version === entry.version) return;
      await this.loadTenant(change.tenantId, entry, await this.storedVersion(change.tenantId));
      entry.checkedAt = Date.now();
    }).catch((error) => this.options.logger?.warn({ err: error }, 'knowledge index refresh failed'));
  }
}
