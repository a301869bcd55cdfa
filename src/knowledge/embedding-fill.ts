import type { Logger } from '../lib/logger.js';
import { cachedEmbeddings, storeEmbeddings } from './embedding-cache.js';
import { batches } from './embedding-limiter.js';
import { describeEmbeddingError, type Embedder, EmbeddingError } from './embeddings.service.js';

/** What {@link embedTexts} got: a vector per text where it could, the rest missing and why. */
export interface FilledEmbeddings {
  vectors: (number[] | undefined)[];
  /** Texts left without a vector. */
  pending: number;
  /** The failure in plain words when some are missing. */
  error: string | null;
  /** Embedding requests sent. */
  requests: number;
  /** True when nothing failed at the server: the missing texts only waited too long for a slot. */
  onlyWaited: boolean;
}

/** The failure of passages that waited for a slot past their time (the server itself did not fail). */
export const WAITED_TOO_LONG = 'the embedding server was too busy to take these passages in time';

/**
 * Vectors for some texts: from the cache first (by model and text), then from the embedder in batches
 * of its batch size, all through its shared limit. A batch that fails, or still waits for a slot after
 * `waitMs`, leaves its texts without vectors (never throws): the caller stores them lexically and the
 * `knowledge.embed` job fills them later.
 */
export async function embedTexts(
  embedder: Embedder,
  texts: readonly string[],
  options: {
    waitMs: number;
    /** Do not even queue when the line ahead is already longer than `waitMs` (an upload goes live now). */
    skipLongLine?: boolean;
    /** 'backfill' for the fill job: behind uploads in the line. Default 'document'. */
    priority?: 'document' | 'backfill';
    logger?: Logger;
  },
): Promise<FilledEmbeddings> {
  const vectors = await cachedEmbeddings(embedder.model, texts, options.logger);
  const missing = [...new Set(texts.filter((_, i) => !vectors[i]))];
  if (missing.length === 0) return { vectors, pending: 0, error: null, requests: 0, onlyWaited: false };
  if (options.skipLongLine && (embedder.expectedWaitMs?.() ?? 0) > options.waitMs) {
    const pending = vectors.filter((v) => !v).length;
    return { vectors, pending, error: WAITED_TOO_LONG, requests: 0, onlyWaited: true };
  }

  // Waiting for a slot ends after `waitMs`; a request already sent runs to its own timeout.
  const signal = AbortSignal.timeout(options.waitMs);
  const found = new Map<string, number[]>();
  const failures: EmbeddingError[] = [];
  const groups = batches(missing, Math.max(1, embedder.batchSize ?? missing.length));
  let requests = 0;
  await Promise.all(
    groups.map(async (group) => {
      try {
        const result = await embedder.embedDocuments(group, { signal, priority: options.priority });
        requests++;
        group.forEach((text, i) => {
          const vector = result[i];
          if (vector && vector.length > 0) found.set(text, vector);
        });
      } catch (error) {
        failures.push(
          signal.aborted && !(error instanceof EmbeddingError)
            ? new EmbeddingError(WAITED_TOO_LONG, true)
            : describeEmbeddingError(error),
        );
      }
    }),
  );
  await storeEmbeddings(
    embedder.model,
    [...found].map(([text, vector]) => ({ text, vector })),
    options.logger,
  );
  let pending = 0;
  texts.forEach((text, i) => {
    vectors[i] ??= found.get(text);
    if (!vectors[i]) pending++;
  });
  // The server's own failure says more than "cancelled because an earlier batch failed".
  const error = failures.find((f) => !/cancelled/.test(f.message)) ?? failures[0];
  return {
    vectors,
    pending,
    error: pending > 0 ? (error?.message ?? 'no vector was returned') : null,
    requests,
    onlyWaited: failures.length > 0 && failures.every((f) => f.message === WAITED_TOO_LONG),
  };
}
