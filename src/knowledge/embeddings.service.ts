import { OpenAIEmbeddings } from '@langchain/openai';
import type { Config } from '../config/env.js';

/** Turns texts into vectors; the same model must embed chunks and questions. */
export interface Embedder {
  model: string;
  embedDocuments(texts: string[]): Promise<number[][]>;
  embedQuery(text: string): Promise<number[]>;
}

type EmbeddingConfig = Pick<Config, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'OPENAI_EMBEDDING_MODEL'>;

/**
 * The configured embeddings model (any OpenAI-compatible server), or null when no API key is set:
 * then the knowledge base is searched lexically only.
 */
export function createEmbedder(
  config: EmbeddingConfig,
  options: { timeoutMs?: number; maxRetries?: number } = {},
): Embedder | null {
  if (!config.OPENAI_API_KEY) return null;
  const embeddings = new OpenAIEmbeddings({
    apiKey: config.OPENAI_API_KEY,
    model: config.OPENAI_EMBEDDING_MODEL,
    batchSize: 128,
    maxRetries: options.maxRetries ?? 2,
    timeout: options.timeoutMs ?? 30_000,
    configuration: config.OPENAI_BASE_URL ? { baseURL: config.OPENAI_BASE_URL } : undefined,
  });
  return {
    model: config.OPENAI_EMBEDDING_MODEL,
    embedDocuments: (texts) => embeddings.embedDocuments(texts),
    embedQuery: (text) => embeddings.embedQuery(text),
  };
}

/** What is embedded for a chunk: its place in the document says as much as its words. */
export function embeddingText(chunk: { title: string; heading: string; text: string }): string {
  return [chunk.title, chunk.heading, chunk.text].filter(Boolean).join('\n');
}
