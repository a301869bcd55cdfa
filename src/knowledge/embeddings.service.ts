import { OpenAIEmbeddings } from '@langchain/openai';
import type { Config } from '../config/env.js';
import { meteredFetch } from '../metrics/model.js';
import { EmbeddingCancelledError, EmbeddingLimiter, type EmbeddingPriority } from './embedding-limiter.js';

/** Turns texts into vectors; the same model must embed chunks and questions. */
export interface Embedder {
  model: string;
  /** Texts one request carries at most; callers that want per-batch results split by it. */
  batchSize?: number;
  /** Rejects when any request fails (callers wanting partial results send one batch per call). */
  embedDocuments(
    texts: string[],
    options?: { signal?: AbortSignal; priority?: 'document' | 'backfill' },
  ): Promise<number[][]>;
  embedQuery(text: string, options?: { signal?: AbortSignal }): Promise<number[]>;
  /** Milliseconds before it sends requests again after a server fault (0 or absent: now). */
  pausedFor?(): number;
  /** About how long a request queued now waits for a slot: an upload's by default (absent: unknown). */
  expectedWaitMs?(kind?: 'query' | 'document'): number;
}

export type EmbeddingConfig = Pick<
  Config,
  | 'OPENAI_API_KEY'
  | 'OPENAI_BASE_URL'
  | 'OPENAI_EMBEDDING_MODEL'
  | 'EMBEDDINGS_BASE_URL'
  | 'EMBEDDINGS_API_KEY'
  | 'EMBEDDINGS_MODEL'
  | 'EMBEDDINGS_CONCURRENCY'
  | 'EMBEDDINGS_BATCH_SIZE'
  | 'EMBEDDINGS_TIMEOUT_MS'
  | 'EMBEDDINGS_QUERY_WAIT_MS'
>;

/** Where embeddings come from, once the settings are resolved. */
export interface EmbeddingSettings {
  baseURL?: string;
  apiKey: string;
  model: string;
  concurrency: number;
  batchSize: number;
  timeoutMs: number;
  queryWaitMs: number;
}

// The OpenAI client refuses to start without a key; servers that need none ignore whatever is sent.
const NO_KEY = 'no-key';

/**
 * The embedding server to use: EMBEDDINGS_BASE_URL when set (a local or institutional server, with
 * EMBEDDINGS_API_KEY if it wants one), else the OpenAI-compatible API when OPENAI_API_KEY is set
 * (OPENAI_BASE_URL, OPENAI_EMBEDDING_MODEL: an install with only a chat key embeds there too), else none:
 * knowledge is then searched lexically only. Chat settings never depend on this.
 */
export function embeddingSettings(config: EmbeddingConfig): EmbeddingSettings | null {
  const limits = {
    concurrency: config.EMBEDDINGS_CONCURRENCY ?? 2,
    batchSize: config.EMBEDDINGS_BATCH_SIZE ?? 16,
    timeoutMs: config.EMBEDDINGS_TIMEOUT_MS ?? 30_000,
    queryWaitMs: config.EMBEDDINGS_QUERY_WAIT_MS ?? 400,
  };
  if (config.EMBEDDINGS_BASE_URL) {
    return {
      baseURL: config.EMBEDDINGS_BASE_URL,
      apiKey: config.EMBEDDINGS_API_KEY ?? NO_KEY,
      model: config.EMBEDDINGS_MODEL ?? config.OPENAI_EMBEDDING_MODEL,
      ...limits,
    };
  }
  if (!config.OPENAI_API_KEY) return null;
  return {
    baseURL: config.OPENAI_BASE_URL,
    apiKey: config.OPENAI_API_KEY,
    model: config.EMBEDDINGS_MODEL ?? config.OPENAI_EMBEDDING_MODEL,
    ...limits,
  };
}

/** An embedding request failed; `message` is plain words an admin can act on (no secrets, no stack). */
export class EmbeddingError extends Error {
  constructor(
    message: string,
    /** False for a problem of the texts themselves (too long…): the server is not to blame. */
    readonly serverFault: boolean,
  ) {
    super(message);
    this.name = 'EmbeddingError';
  }
}

const TIMED_OUT = 'the embedding server did not answer in time';

/** A failure of the embedding call in plain words. */
export function describeEmbeddingError(error: unknown): EmbeddingError {
  if (error instanceof EmbeddingError) return error;
  const e = error as { name?: string; status?: number; message?: string; code?: string } | undefined;
  const status = typeof e?.status === 'number' ? e.status : undefined;
  if (error instanceof EmbeddingCancelledError) return new EmbeddingError(error.message, true);
  if (e?.name === 'TimeoutError' || /timed out|timeout/i.test(e?.message ?? ''))
    return new EmbeddingError(TIMED_OUT, true);
  if (status === 429)
    return new EmbeddingError('the embedding server is busy (HTTP 429, rate limited)', true);
  if (status === 401 || status === 403)
    return new EmbeddingError(`the embedding server refused the API key (HTTP ${status})`, true);
  if (status === 404)
    return new EmbeddingError('the embedding server does not know this model or path (HTTP 404)', true);
  if (status === 400 || status === 413 || status === 422)
    return new EmbeddingError(`the embedding server refused these texts (HTTP ${status})`, false);
  if (status !== undefined) return new EmbeddingError(`the embedding server failed (HTTP ${status})`, true);
  if (/connect|ECONNREFUSED|ENOTFOUND|socket|fetch failed/i.test(`${e?.message} ${e?.code}`))
    return new EmbeddingError('the embedding server could not be reached', true);
  return new EmbeddingError('the embedding request failed', true);
}

/** Is this error one that says nothing will change by retrying soon (bad key, unknown model)? */
export const isLastingEmbeddingError = (message: string | null | undefined) =>
  Boolean(message && /HTTP (401|403|404)/.test(message));

const FIRST_PAUSE_MS = 1000;
const LONGEST_PAUSE_MS = 30_000;

/**
 * A shared embedder: every request goes through one {@link EmbeddingLimiter}; after a server fault,
 * requests fail at once for a pause (1 s, doubling to 30 s, reset by a success) and whatever waited is
 * dropped, so documents are stored without vectors right away instead of queueing behind a dead server.
 * The first request after a pause probes it.
 */
class LimitedEmbedder implements Embedder {
  readonly model: string;
  readonly batchSize: number;
  readonly limiter: EmbeddingLimiter;
  private readonly documents: OpenAIEmbeddings;
  private readonly queries: OpenAIEmbeddings;
  private pausedUntil = 0;
  private pauseMs = FIRST_PAUSE_MS;
  private lastFault: EmbeddingError | null = null;

  constructor(settings: EmbeddingSettings) {
    this.model = settings.model;
    this.batchSize = settings.batchSize;
    this.limiter = new EmbeddingLimiter(settings.concurrency);
    const make = (timeout: number) =>
      new OpenAIEmbeddings({
        apiKey: settings.apiKey,
        model: settings.model,
        batchSize: settings.batchSize,
        // Retries are the retry job's (with backoff), not a tight loop holding a slot.
        maxRetries: 0,
        maxConcurrency: settings.concurrency,
        timeout,
        configuration: {
          ...(settings.baseURL ? { baseURL: settings.baseURL } : {}),
          fetch: meteredFetch('embeddings', settings.model),
        },
      });
    this.documents = make(settings.timeoutMs);
    // A question stops waiting after EMBEDDINGS_QUERY_WAIT_MS; its request is not left holding a slot
    // for the documents' whole timeout.
    this.queries = make(Math.min(settings.timeoutMs, Math.max(2000, settings.queryWaitMs * 5)));
  }

  async embedDocuments(
    texts: string[],
    options: { signal?: AbortSignal; priority?: 'document' | 'backfill' } = {},
  ): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      const batch = texts.slice(i, i + this.batchSize);
      const run = () => this.documents.embedDocuments(batch);
      out.push(...(await this.call(run, options.priority ?? 'document', options.signal)));
    }
    return out;
  }

  embedQuery(text: string, options: { signal?: AbortSignal } = {}): Promise<number[]> {
    return this.call(() => this.queries.embedQuery(text), 'query', options.signal);
  }

  private async call<T>(task: () => Promise<T>, priority: EmbeddingPriority, signal?: AbortSignal) {
    this.refuseWhilePaused();
    return this.limiter.run(
      async () => {
        this.refuseWhilePaused();
        try {
          const result = await task();
          this.pauseMs = FIRST_PAUSE_MS;
          this.pausedUntil = 0;
          this.lastFault = null;
          return result;
        } catch (error) {
          const described = describeEmbeddingError(error);
          // A question's short timeout on a server busy with document batches says nothing about its
          // health: pausing then would drop the whole document backlog.
          const busyNotDown = priority === 'query' && described.message === TIMED_OUT;
          if (described.serverFault && !busyNotDown) this.pause(described);
          throw described;
        }
      },
      { priority, signal },
    );
  }

  private refuseWhilePaused(): void {
    if (this.lastFault && Date.now() < this.pausedUntil) throw this.lastFault;
  }

  expectedWaitMs(kind: 'query' | 'document' = 'document'): number {
    return this.limiter.expectedWaitMs(kind);
  }

  /** Milliseconds left of the pause after a server fault (0: requests are sent). */
  pausedFor(): number {
    return this.lastFault ? Math.max(0, this.pausedUntil - Date.now()) : 0;
  }

  private pause(fault: EmbeddingError): void {
    this.lastFault = fault;
    // Requests that fail together (all in flight when the server went away) are one failure.
    if (Date.now() < this.pausedUntil) return;
    this.pausedUntil = Date.now() + this.pauseMs;
    this.pauseMs = Math.min(LONGEST_PAUSE_MS, this.pauseMs * 2);
    for (const line of ['query', 'document', 'backfill'] as const) this.limiter.cancelWaiting(line, fault);
  }
}

// One per process and server: ingestion jobs, retry jobs and questions share its limit.
const shared = new Map<string, LimitedEmbedder>();

/**
 * The process's embedder for these settings (see {@link embeddingSettings}), or null when none is
 * configured. The same settings always give the same object, so its limit holds across callers.
 */
export function createEmbedder(
  config: EmbeddingConfig,
): (Embedder & { limiter: EmbeddingLimiter; pausedFor(): number }) | null {
  const settings = embeddingSettings(config);
  if (!settings) return null;
  const key = JSON.stringify(settings);
  let embedder = shared.get(key);
  if (!embedder) {
    embedder = new LimitedEmbedder(settings);
    shared.set(key, embedder);
  }
  return embedder;
}

/** What is embedded for a chunk: its place in the document says as much as its words. */
export function embeddingText(chunk: { title: string; heading: string; text: string }): string {
  return [chunk.title, chunk.heading, chunk.text].filter(Boolean).join('\n');
}
