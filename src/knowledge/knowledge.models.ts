import { model, Schema, type Types } from 'mongoose';

/** Lifecycle of a source's latest upload. */
export type SourceStatus = 'queued' | 'processing' | 'ready' | 'failed';

/**
 * A document (uploaded file or question-and-answer pair) in a tenant's knowledge base. `version` is
 * the live version: readers only see chunks of that version, so a new upload becomes visible in one
 * switch, and a failed one leaves the previous version answering.
 */
export interface KnowledgeSource {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  /** null: the whole institution; otherwise visible only inside that course. */
  courseId: string | null;
  kind: 'file' | 'qa';
  title: string;
  /** File name (or relative path) or URL; unique per tenant and course. */
  path: string;
  mimeType: string;
  /** sha256 of the live version's bytes ('' until the first version is live). */
  contentHash: string;
  /** Live version (0: nothing live yet). */
  version: number;
  /** Last upload handed out; each upload gets the next number, so concurrent uploads never collide. */
  uploadSeq: number;
  /** The upload being ingested (or that failed): its hash, version and job. */
  pendingHash: string | null;
  pendingVersion: number | null;
  status: SourceStatus;
  /** Plain reason of the last failure. */
  error: string | null;
  progress: number;
  chunkCount: number;
  sizeBytes: number;
  /** Search by meaning for the live version (absent: no embedding server was configured when it was stored). */
  vectors?: SourceVectors | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * How far the live version's chunks have their vectors: `pending` chunks still lack one (the embedding
 * server failed or was too slow; the `knowledge.embed` job fills them), `error` is the last failure in
 * plain words, `attempts` the failed tries since the last success, `gaveUp` once the retry job stopped.
 */
export interface SourceVectors {
  version: number;
  model: string;
  total: number;
  pending: number;
  error: string | null;
  attempts: number;
  gaveUp: boolean;
  updatedAt: Date;
}

const sourceSchema = new Schema<KnowledgeSource>(
  {
    tenantId: { type: Schema.Types.ObjectId, required: true },
    courseId: { type: String, default: null },
    kind: { type: String, enum: ['file', 'qa'], required: true },
    title: { type: String, required: true, maxlength: 500 },
    path: { type: String, required: true, maxlength: 1000 },
    mimeType: { type: String, default: 'text/markdown' },
    contentHash: { type: String, default: '' },
    version: { type: Number, default: 0 },
    uploadSeq: { type: Number, default: 0 },
    pendingHash: { type: String, default: null },
    pendingVersion: { type: Number, default: null },
    status: { type: String, enum: ['queued', 'processing', 'ready', 'failed'], default: 'queued' },
    error: { type: String, default: null },
    progress: { type: Number, default: 0, min: 0, max: 100 },
    chunkCount: { type: Number, default: 0 },
    sizeBytes: { type: Number, default: 0 },
    vectors: { type: Schema.Types.Mixed, default: undefined },
  },
  { collection: 'knowledge_sources', timestamps: true, versionKey: false },
);
sourceSchema.index({ tenantId: 1, courseId: 1, path: 1 }, { unique: true });
sourceSchema.index({ tenantId: 1, updatedAt: -1 });

export const KnowledgeSourceModel = model<KnowledgeSource>('KnowledgeSource', sourceSchema);

/** One stored passage; the in-memory indexes are rebuilt from these. */
export interface KnowledgeChunk {
  _id: Types.ObjectId;
  tenantId: Types.ObjectId;
  courseId: string | null;
  sourceId: Types.ObjectId;
  version: number;
  ordinal: number;
  title: string;
  heading: string;
  path: string;
  text: string;
  /** From the configured embeddings model, when there is one. */
  embedding?: number[];
  /** True while an embedding server is configured but this chunk's vector is still missing. */
  embedPending?: boolean;
}

const chunkSchema = new Schema<KnowledgeChunk>(
  {
    tenantId: { type: Schema.Types.ObjectId, required: true },
    courseId: { type: String, default: null },
    sourceId: { type: Schema.Types.ObjectId, required: true },
    version: { type: Number, required: true },
    ordinal: { type: Number, required: true },
    title: { type: String, required: true },
    heading: { type: String, default: '' },
    path: { type: String, required: true },
    text: { type: String, required: true },
    embedding: { type: [Number], default: undefined },
    embedPending: { type: Boolean, default: undefined },
  },
  { collection: 'knowledge_chunks', versionKey: false },
);
chunkSchema.index({ tenantId: 1, sourceId: 1, version: 1, ordinal: 1 }, { unique: true });

export const KnowledgeChunkModel = model<KnowledgeChunk>('KnowledgeChunk', chunkSchema);

/**
 * A vector already computed, by model and text: re-ingesting an unchanged passage (a new version of a
 * document, the same file in another tenant, an eval run again) costs no embedding call. `_id` is the
 * sha256 of model and text (see embedding-cache.ts); `v` the vector as float32 bytes. Vectors are not
 * personal data and are never shown, so the cache is shared by tenants.
 */
export interface KnowledgeEmbedding {
  _id: string;
  model: string;
  v: Buffer;
}

const embeddingSchema = new Schema<KnowledgeEmbedding>(
  {
    _id: { type: String, required: true },
    model: { type: String, required: true },
    v: { type: Buffer, required: true },
  },
  { collection: 'knowledge_embeddings', versionKey: false },
);

export const KnowledgeEmbeddingModel = model<KnowledgeEmbedding>('KnowledgeEmbedding', embeddingSchema);

/**
 * Raw bytes of an upload, in parts below the 16 MB document limit (FerretDB 1.x has no GridFS
 * guarantees we rely on; plain documents work the same on MongoDB 7). Kept for the live version so a
 * source can be re-ingested (e.g. after the embeddings model changes).
 */
export interface KnowledgeUploadPart {
  tenantId: Types.ObjectId;
  sourceId: Types.ObjectId;
  version: number;
  n: number;
  data: Buffer;
}

const uploadSchema = new Schema<KnowledgeUploadPart>(
  {
    tenantId: { type: Schema.Types.ObjectId, required: true },
    sourceId: { type: Schema.Types.ObjectId, required: true },
    version: { type: Number, required: true },
    n: { type: Number, required: true },
    data: { type: Buffer, required: true },
  },
  { collection: 'knowledge_uploads', versionKey: false },
);
uploadSchema.index({ tenantId: 1, sourceId: 1, version: 1, n: 1 }, { unique: true });

export const KnowledgeUploadModel = model<KnowledgeUploadPart>('KnowledgeUpload', uploadSchema);

/** Per-tenant change counter: bumped after every switch or removal, so a missed message still converges. */
export interface KnowledgeState {
  tenantId: Types.ObjectId;
  version: number;
}

const stateSchema = new Schema<KnowledgeState>(
  {
    tenantId: { type: Schema.Types.ObjectId, required: true, unique: true },
    version: { type: Number, default: 0 },
  },
  { collection: 'knowledge_state', versionKey: false },
);

export const KnowledgeStateModel = model<KnowledgeState>('KnowledgeState', stateSchema);

/**
 * A new value for a tenant's knowledge version. Readers only ask "did it change?", so every change gets a
 * fresh, increasing-ish unique number set with `$set`: FerretDB 1.x loses concurrent `$inc`s on one
 * document, and two changes collapsing into one count could leave a process with a stale index.
 */
export function nextKnowledgeVersion(): number {
  return Date.now() * 1000 + Math.floor(Math.random() * 1000);
}
