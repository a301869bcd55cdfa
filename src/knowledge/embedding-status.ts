import { Types } from 'mongoose';
import { findInTenant } from '../db/by-id.js';
import { isLastingEmbeddingError } from './embeddings.service.js';
import { type KnowledgeSource, KnowledgeSourceModel } from './knowledge.models.js';

/**
 * Search by meaning for one source: `ready` (every passage has a vector), `pending` (some wait for the
 * embedding server; the retry job fills them), `failing` (the server keeps refusing, or the retry gave
 * up: `error` says why), `missing` (stored while no embedding server, or another model, was configured),
 * `off` (none is).
 */
export type MeaningState = 'ready' | 'pending' | 'failing' | 'missing' | 'off';

export interface SourceMeaning {
  state: MeaningState;
  /** Passages still without a vector. */
  pending: number;
  /** The last failure in plain words (pending or failing). */
  error: string | null;
}

/** Failed tries after which waiting is reported as failing (the retry job keeps going). */
const FAILING_AFTER_ATTEMPTS = 4;

/** One source's state, from what its switch and the retry job recorded. */
export function meaningOf(
  source: Pick<KnowledgeSource, 'version' | 'chunkCount' | 'vectors'>,
  /** The configured embedding model; null when none is configured. */
  model: string | null,
): SourceMeaning | null {
  if (source.version === 0) return null;
  if (model === null) return { state: 'off', pending: 0, error: null };
  const v = source.vectors;
  // Vectors of another model cannot be compared with this model's questions: as good as none.
  if (!v || v.version !== source.version || v.model !== model)
    return { state: 'missing', pending: source.chunkCount, error: null };
  if (v.pending === 0) return { state: 'ready', pending: 0, error: null };
  const failing = v.gaveUp || v.attempts >= FAILING_AFTER_ATTEMPTS || isLastingEmbeddingError(v.error);
  return { state: failing ? 'failing' : 'pending', pending: v.pending, error: v.error ?? null };
}

/** The states of a tenant's live sources, by source id (one read of the tenant's sources). */
export async function meaningBySource(
  tenantId: string,
  model: string | null,
  sourceId?: string,
): Promise<Map<string, SourceMeaning>> {
  const out = new Map<string, SourceMeaning>();
  if (!Types.ObjectId.isValid(tenantId)) return out;
  const tenant = new Types.ObjectId(tenantId);
  const fields = { tenantId: 1, version: 1, chunkCount: 1, vectors: 1 } as const;
  const rows =
    sourceId && Types.ObjectId.isValid(sourceId)
      ? [await findInTenant(KnowledgeSourceModel, new Types.ObjectId(sourceId), tenant, fields)]
      : await KnowledgeSourceModel.find({ tenantId: tenant }, fields).lean();
  for (const row of rows) {
    if (!row) continue;
    const meaning = meaningOf(row, model);
    if (meaning) out.set(String(row._id), meaning);
  }
  return out;
}

/** The tenant-level line: how many live documents can be searched by meaning. */
export interface MeaningSummary {
  configured: boolean;
  documents: number;
  ready: number;
  pending: number;
  failing: number;
  missing: number;
  text: string;
}

const documentsWord = (n: number) => (n === 1 ? '1 document' : `${n} documents`);

/** Counts states into the line the Knowledge page shows above its list. */
export function summariseMeaning(states: Iterable<SourceMeaning>, configured: boolean): MeaningSummary {
  const counts = { ready: 0, pending: 0, failing: 0, missing: 0, off: 0 };
  let documents = 0;
  for (const s of states) {
    counts[s.state]++;
    documents++;
  }
  const base = { configured, documents, ...counts };
  if (!configured)
    return {
      ...base,
      text: 'Search by meaning is off: no embedding server is configured, so answers come from word search.',
    };
  const parts = [`Search by meaning: ${counts.ready} of ${documentsWord(documents)} ready`];
  if (counts.pending > 0) parts.push(`${counts.pending} waiting for the embedding server`);
  if (counts.failing > 0) parts.push(`${counts.failing} failing`);
  if (counts.missing > 0)
    parts.push(`${counts.missing} stored before this embedding model was set up (upload again)`);
  return { ...base, text: `${parts.join('; ')}.` };
}

/**
 * How many of a tenant's live sources still wait for vectors that the retry job may yet fill (pending,
 * not given up): a caller that wants every vector in place (the eval) waits for 0.
 */
export async function sourcesAwaitingVectors(tenantId: string, model: string): Promise<number> {
  let waiting = 0;
  for (const meaning of (await meaningBySource(tenantId, model)).values())
    if (meaning.state === 'pending' || (meaning.state === 'failing' && meaning.pending > 0)) waiting++;
  return waiting;
}
