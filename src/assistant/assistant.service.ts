import { AIMessage, type BaseMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import type { Config } from '../config/env.js';
import { answerStrings, detectAnswerLanguage } from '../knowledge/answer-strings.catalog.js';
import { combineWithModelJudgement } from '../knowledge/confidence.service.js';
import { createEmbedder, type Embedder, type EmbeddingConfig } from '../knowledge/embeddings.service.js';
import type { Citation } from '../knowledge/extractive-answer.service.js';
import type { KnowledgeIndexRegistry } from '../knowledge/index-registry.service.js';
import { isOverrideAttempt } from '../knowledge/instruction-filter.js';
import { DEFAULT_NOT_COVERED_THRESHOLD, type PassageResult } from '../knowledge/knowledge-engine.service.js';
import type { Logger } from '../lib/logger.js';
import { meteredFetch } from '../metrics/model.js';
import {
  ConfidenceLineFilter,
  distinctivePromptLines,
  groundedUserMessage,
  groundingSystemPrompt,
} from './grounding-prompt.js';
import { LeakGuard, type ProtectedText, protectedText } from './leak-guard.js';

/** A question as the chat sends it. */
export interface AnswerInput {
  tenantId: string;
  /** The launch's course: its documents plus tenant-wide ones are searched. */
  courseId?: string | null;
  question: string;
  /** UI locale ('en', 'es', 'es-MX'…): the answer's language. */
  locale?: string | null;
  /** Earlier turns of the thread, oldest first (the last few are sent to the model). */
  history?: readonly { role: 'user' | 'assistant'; content: string }[];
  /** The tenant's not-covered threshold; defaults to the one tuned on the shared evaluation set. */
  threshold?: number;
  /** Who asks: articles written for that audience are preferred. */
  role?: 'learner' | 'instructor' | 'admin';
}

/** Streaming callbacks. */
export interface AnswerOptions {
  /** Receives the model's answer text as it is generated, in order (model mode only). */
  onToken?: (text: string) => void;
}

/** Everything about one answer, for the chat and for storing it. */
export interface AnswerResult {
  text: string;
  citations: Citation[];
  /** 0-1: retrieval confidence, blended with the model's own judgement in model mode. */
  confidence: number;
  /** True when the documents do not answer the question (the UI offers a person). */
  notCovered: boolean;
  passages: { id: string; sourceId: string; score: number }[];
  /** Top sources by file/path (best first), for evaluation and analytics. */
  sources: { sourceId: string; title: string; path: string }[];
  model: string | null;
  mode: 'model' | 'extractive';
  /** True when the model was configured but failed, and the extractive answer was given instead. */
  degraded: boolean;
  latencyMs: number;
  tokens: { prompt: number; completion: number };
  /**
   * Set when a prompt-injection defence decided the answer: `override` (the message tried to change or
   * unmask the assistant: refused without searching), `leak` (the model's reply repeated its system
   * prompt: the extractive answer was given instead).
   */
  guarded?: 'override' | 'leak';
}

/** What {@link createAssistant} needs. */
export interface AssistantDeps {
  registry: KnowledgeIndexRegistry;
  /** OPENAI_* turn on the chat model; the embedder comes from EMBEDDINGS_* (see embeddingSettings). */
  config: Pick<Config, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'OPENAI_CHAT_MODEL'> & EmbeddingConfig;
  logger?: Logger;
  /** Longest wait for the chat model before falling back. Default 20 s. */
  timeoutMs?: number;
  /** Longest wait for the question's embedding before searching lexically. Default EMBEDDINGS_QUERY_WAIT_MS. */
  queryWaitMs?: number;
  /** Passages given to the model. Default 5. */
  maxPassages?: number;
  /** History turns given to the model. Default 6. */
  maxHistory?: number;
  /** Overrides the embedder made from config (null: lexical only). */
  embedder?: Embedder | null;
}

/** The assistant's one operation. */
export interface Assistant {
  answerQuestion(input: AnswerInput, options?: AnswerOptions): Promise<AnswerResult>;
}

const contentText = (content: unknown): string => {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((part) => (typeof part === 'string' ? part : ((part as { text?: string }).text ?? '')))
      .join('');
  return '';
};

/**
 * Earlier turns without the learner's attempts to override the assistant (and the replies to them): a
 * refused message stays refused, it does not reach the model as context of the next question.
 */
function withoutOverrides(
  history: readonly { role: 'user' | 'assistant'; content: string }[],
): { role: 'user' | 'assistant'; content: string }[] {
  const kept: { role: 'user' | 'assistant'; content: string }[] = [];
  let skipReply = false;
  for (const turn of history) {
    if (turn.role === 'user') {
      skipReply = isOverrideAttempt(turn.content);
      if (!skipReply) kept.push(turn);
    } else if (!skipReply) kept.push(turn);
    else skipReply = false;
  }
  return kept;
}

/**
 * Answers a learner's question from the tenant's knowledge: retrieval first; then, when a chat model
 * is configured, a grounded, cited answer streamed from it (its self-judged confidence blended with
 * retrieval's); otherwise — or when the model fails, rate-limits or times out — the extractive answer.
 * Never throws for model trouble: the learner always gets an answer or an honest "not covered".
 */
export function createAssistant(deps: AssistantDeps): Assistant {
  const timeoutMs = deps.timeoutMs ?? 20_000;
  // The process's shared embedder (same limit as ingestion, questions first in its line).
  const embedder = deps.embedder !== undefined ? deps.embedder : createEmbedder(deps.config);
  const queryWaitMs = deps.queryWaitMs ?? deps.config.EMBEDDINGS_QUERY_WAIT_MS ?? 400;
  // Chat only from OPENAI_API_KEY: an embedding server alone never makes answers try a chat model.
  const chat = deps.config.OPENAI_API_KEY
    ? new ChatOpenAI({
        apiKey: deps.config.OPENAI_API_KEY,
        model: deps.config.OPENAI_CHAT_MODEL,
        temperature: 0.1,
        streaming: true,
        streamUsage: true,
        maxRetries: 0,
        timeout: timeoutMs,
        configuration: {
          ...(deps.config.OPENAI_BASE_URL ? { baseURL: deps.config.OPENAI_BASE_URL } : {}),
          fetch: meteredFetch('chat', deps.config.OPENAI_CHAT_MODEL),
        },
      })
    : null;

  /**
   * The question's vector if it comes within `queryWaitMs`; otherwise undefined and the question is
   * answered lexically at once (a request still waiting for a slot is dropped; one already sent is
   * left to finish on its own, unawaited).
   */
  async function questionEmbedding(tenantId: string, question: string): Promise<number[] | undefined> {
    if (!embedder || !(await deps.registry.hasVectors(tenantId))) return undefined;
    // Both slots busy with batches that take longer than the wait (a busy local server): lexical at
    // once rather than after the whole wait.
    if ((embedder.expectedWaitMs?.('query') ?? 0) > queryWaitMs) return undefined;
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        controller.abort(new Error(`no question embedding within ${queryWaitMs} ms`));
        resolve(undefined);
      }, queryWaitMs);
    });
    const embedding = embedder.embedQuery(question, { signal: controller.signal }).catch((error) => {
      deps.logger?.warn({ err: error }, 'question embedding failed; searching lexically');
      return undefined;
    });
    try {
      return await Promise.race([embedding, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  // Runs of the system prompt a reply must not repeat, per answer language (the prompt names it).
  const protectedRuns = new Map<string, ProtectedText>();
  const runsFor = (locale?: string | null) => {
    const key = locale ?? '';
    let runs = protectedRuns.get(key);
    if (!runs) {
      runs = protectedText(distinctivePromptLines(locale));
      protectedRuns.set(key, runs);
    }
    return runs;
  };

  return {
    async answerQuestion(input, options = {}) {
      const started = performance.now();
      // A message that tries to change, unmask or get around the assistant is refused on both paths,
      // before any search: nothing of the documents or of the set-up is shown for it.
      if (isOverrideAttempt(input.question)) {
        deps.logger?.info({ tenantId: input.tenantId }, 'message tried to override the assistant; refused');
        const language = detectAnswerLanguage(input.question) ?? input.locale;
        return {
          text: answerStrings(language).refused,
          citations: [],
          confidence: 0,
          notCovered: true,
          passages: [],
          sources: [],
          model: null,
          mode: 'extractive',
          degraded: false,
          latencyMs: Math.round(performance.now() - started),
          tokens: { prompt: 0, completion: 0 },
          guarded: 'override',
        };
      }
      const threshold = input.threshold ?? DEFAULT_NOT_COVERED_THRESHOLD;
      const retrieval = await deps.registry.ask(input.tenantId, input.question, {
        courseId: input.courseId ?? null,
        locale: input.locale ?? undefined,
        queryEmbedding: await questionEmbedding(input.tenantId, input.question),
        ...(embedder ? { embeddingModel: embedder.model } : {}),
        ...(input.role ? { role: input.role } : {}),
        notCoveredThreshold: threshold,
      });
      const base = {
        passages: retrieval.passages.map((p) => ({ id: p.chunkId, sourceId: p.sourceId, score: p.score })),
        sources: retrieval.sources.map((s) => ({ sourceId: s.sourceId, title: s.title, path: s.path })),
      };
      const extractive = (degraded: boolean): AnswerResult => ({
        text: retrieval.answer.text,
        citations: retrieval.answer.citations,
        confidence: retrieval.confidence,
        notCovered: retrieval.notCovered,
        ...base,
        model: null,
        mode: 'extractive',
        degraded,
        latencyMs: Math.round(performance.now() - started),
        tokens: { prompt: 0, completion: 0 },
      });
      // Nothing to ground an answer in: no model call, the honest reply at once.
      if (!chat || retrieval.notCovered) return extractive(false);

      const passages: PassageResult[] = [];
      for (const p of [...retrieval.passages].sort((a, b) => b.score - a.score)) {
        if (passages.length >= (deps.maxPassages ?? 5)) break;
        passages.push(p);
      }
      const history = withoutOverrides(input.history ?? [])
        .slice(-(deps.maxHistory ?? 6))
        .map((turn) => (turn.role === 'user' ? new HumanMessage(turn.content) : new AIMessage(turn.content)));
      const messages: BaseMessage[] = [
        new SystemMessage(groundingSystemPrompt(input.locale)),
        ...history,
        new HumanMessage(groundedUserMessage(input.question, passages)),
      ];

      const controller = new AbortController();
      const timer = setTimeout(
        () => controller.abort(new Error(`no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      // Model text → confidence line held back → system-prompt runs held back → the learner.
      const guard = new LeakGuard(runsFor(input.locale), (text) => options.onToken?.(text));
      const filter = new ConfidenceLineFilter((text) => guard.push(text));
      const tokens = { prompt: 0, completion: 0 };
      try {
        const stream = await chat.stream(messages, { signal: controller.signal });
        for await (const chunk of stream) {
          const text = contentText(chunk.content);
          if (text) filter.push(text);
          if (chunk.usage_metadata) {
            tokens.prompt = chunk.usage_metadata.input_tokens ?? tokens.prompt;
            tokens.completion = chunk.usage_metadata.output_tokens ?? tokens.completion;
          }
        }
      } catch (error) {
        deps.logger?.warn(
          { err: error, tenantId: input.tenantId, model: deps.config.OPENAI_CHAT_MODEL },
          'chat model failed; answering extractively',
        );
        return extractive(true);
      } finally {
        clearTimeout(timer);
      }
      const text = filter.end();
      if (guard.end()) {
        deps.logger?.warn(
          { tenantId: input.tenantId, model: deps.config.OPENAI_CHAT_MODEL },
          'model reply repeated its system prompt; answering extractively',
        );
        return { ...extractive(true), guarded: 'leak' };
      }
      if (!text) return extractive(true);

      const confidence = combineWithModelJudgement(retrieval.confidence, filter.confidence);
      // The model may only lower confidence much; when it judges the passages insufficient, believe it.
      const notCovered =
        confidence < threshold || (filter.confidence !== null && filter.confidence < threshold);
      const cited = new Set([...text.matchAll(/\[(\d{1,2})\]/g)].map((m) => Number(m[1])));
      const citations: Citation[] = passages
        .map((p, i) => ({
          index: i + 1,
          sourceId: p.sourceId,
          title: p.title,
          heading: p.heading,
          path: p.path,
        }))
        .filter((c) => cited.has(c.index));
      return {
        text,
        citations: notCovered ? [] : citations,
        confidence,
        notCovered,
        ...base,
        model: deps.config.OPENAI_CHAT_MODEL,
        mode: 'model',
        degraded: false,
        latencyMs: Math.round(performance.now() - started),
        tokens,
      };
    },
  };
}
