import { metrics } from './definitions.js';

export type ModelKind = 'chat' | 'embeddings';

export interface ModelCall {
  kind: ModelKind;
  model: string;
  outcome: 'ok' | 'error';
  seconds: number;
  promptTokens?: number;
  completionTokens?: number;
}

/** One call to a model server: its duration and the tokens it reported (none reported: none counted). */
export function recordModelCall(call: ModelCall): void {
  metrics.chatref_model_request_duration_seconds
    .labels(call.kind, call.model, call.outcome)
    .observe(call.seconds);
  if (call.promptTokens)
    metrics.chatref_model_tokens_total.labels(call.kind, call.model, 'prompt').inc(call.promptTokens);
  if (call.completionTokens)
    metrics.chatref_model_tokens_total.labels(call.kind, call.model, 'completion').inc(call.completionTokens);
}

// OpenAI-compatible servers put `usage` last (a streamed answer: in its last chunk); reading only the
// tail spares parsing a body of vectors.
const TAIL_CHARS = 400;
const USAGE = /"usage"\s*:\s*(\{[^}]*\})/;

/** The token counts in a response body's `usage`, if it reports one. */
export function reportedUsage(body: string): { promptTokens?: number; completionTokens?: number } {
  const usage = USAGE.exec(body.slice(-TAIL_CHARS))?.[1];
  if (!usage) return {};
  const count = (field: string) => {
    const match = new RegExp(`"${field}"\\s*:\\s*(\\d+)`).exec(usage);
    return match ? Number(match[1]) : undefined;
  };
  return { promptTokens: count('prompt_tokens'), completionTokens: count('completion_tokens') };
}

/**
 * A `fetch` for the OpenAI client of one model: each request's duration to the end of its body (a
 * streamed answer: its last token) and outcome, and the tokens the response reports (read from a copy
 * of the body, off the caller's path). The caller's response is returned untouched.
 */
export function meteredFetch(kind: ModelKind, model: string): typeof fetch {
  return async (input, init) => {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    let response: Response;
    try {
      response = await fetch(input, init);
    } catch (error) {
      recordModelCall({ kind, model, outcome: 'error', seconds: seconds() });
      throw error;
    }
    if (!response.ok || !response.body) {
      recordModelCall({ kind, model, outcome: response.ok ? 'ok' : 'error', seconds: seconds() });
      return response;
    }
    const copy = response.clone();
    void copy
      .text()
      .then((body) =>
        recordModelCall({ kind, model, outcome: 'ok', seconds: seconds(), ...reportedUsage(body) }),
      )
      .catch(() => recordModelCall({ kind, model, outcome: 'error', seconds: seconds() }));
    return response;
  };
}
