import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

// Kept out of the fake's vectors so unrelated texts do not look alike.
const FUNCTION_WORDS = new Set(
  'the and for you your are was what when where which who how does with this that from have not can'.split(
    ' ',
  ),
);

/** A promise and the function that resolves it. */
function gate(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** How the fake answers the next requests. */
export type FakeMode = 'ok' | '429' | '500' | 'hang';

/** One request the fake received. */
export interface RecordedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

/** A chat reply: text (streamed in `chunkSize` pieces) or the exact tokens to stream, or either computed. */
export type ChatReply = string | string[] | ((body: Record<string, unknown>) => string | string[]);

/**
 * A real local OpenAI-compatible HTTP server: `/v1/chat/completions` (streamed `data:` chunks or one
 * JSON body) and `/v1/embeddings` (deterministic bag-of-words vectors, float or base64). Records every
 * request, and can be switched to answer 429, 500 or never answer.
 */
export class FakeOpenAI {
  readonly requests: RecordedRequest[] = [];
  mode: FakeMode = 'ok';
  reply: ChatReply = 'The passages say so [1].\nCONFIDENCE: 0.9';
  /** Characters per streamed chunk. */
  chunkSize = 4;
  /** Pause between streamed chunks, to let tests act mid-stream. */
  chunkDelayMs = 0;
  /**
   * When set, every streamed reply stops after this many chunks until {@link releaseStreams} is called:
   * a test can act at a known point of an answer without timing it.
   */
  pauseAfterChunks?: number;
  private pause = gate();
  private reachedPause = gate();
  dimensions = 256;
  private server?: Server;
  private readonly hanging = new Set<ServerResponse>();
  url = '';

  /** Starts on a free loopback port; `url` is the base URL to configure (ends in /v1). */
  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    this.url = `http://127.0.0.1:${address.port}/v1`;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** Lets paused streams go on (and streams started later run through their pause point). */
  releaseStreams(): void {
    this.pause.resolve();
  }

  /** Pauses streams at `pauseAfterChunks` again (after {@link releaseStreams}). */
  rearmPause(): void {
    this.pause = gate();
    this.reachedPause = gate();
  }

  /** Resolves once a stream has stopped at `pauseAfterChunks` (since the last {@link rearmPause}). */
  paused(): Promise<void> {
    return this.reachedPause.promise;
  }

  /** Requests to one endpoint ('chat/completions' or 'embeddings'). */
  sent(endpoint: 'chat/completions' | 'embeddings'): RecordedRequest[] {
    return this.requests.filter((r) => r.path.endsWith(endpoint));
  }

  /** The deterministic embedding the fake gives a text (hashed words, L2-normalised). */
  embed(text: string): number[] {
    const v = new Array<number>(this.dimensions).fill(0);
    for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
      if (word.length < 3 || FUNCTION_WORDS.has(word)) continue;
      let h = 2166136261;
      for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16777619);
      v[(h >>> 0) % this.dimensions] = (v[(h >>> 0) % this.dimensions] ?? 0) + 1;
    }
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
    return v.map((x) => x / norm);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      body = {};
    }
    const path = (req.url ?? '').split('?')[0] ?? '';
    this.requests.push({ path, headers: req.headers, body });
    if (this.mode === 'hang') {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    if (this.mode === '429' || this.mode === '500') {
      const status = Number(this.mode);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            message: status === 429 ? 'Rate limit reached' : 'The server had an error',
            type: status === 429 ? 'rate_limit_exceeded' : 'server_error',
          },
        }),
      );
      return;
    }
    if (path.endsWith('/chat/completions')) return this.chat(body, res);
    if (path.endsWith('/embeddings')) return this.embeddings(body, res);
    res.writeHead(404).end();
  }

  private async chat(body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    const reply = typeof this.reply === 'function' ? this.reply(body) : this.reply;
    const text = typeof reply === 'string' ? reply : reply.join('');
    const pieces: string[] = [];
    if (typeof reply !== 'string') pieces.push(...reply);
    else for (let i = 0; i < text.length; i += this.chunkSize) pieces.push(text.slice(i, i + this.chunkSize));
    const model = String(body.model ?? 'fake');
    const created = Math.floor(Date.now() / 1000);
    const promptTokens = JSON.stringify(body.messages ?? []).length >> 2;
    const completionTokens = Math.max(1, text.length >> 2);
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    };
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'chatcmpl-fake',
          object: 'chat.completion',
          created,
          model,
          choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
          usage,
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (payload: unknown) => res.write(`data: ${JSON.stringify(payload)}\n\n`);
    const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created, model };
    send({
      ...base,
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
    });
    for (const [sent, piece] of pieces.entries()) {
      if (sent === this.pauseAfterChunks) {
        this.reachedPause.resolve();
        await this.pause.promise;
      }
      send({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
      if (this.chunkDelayMs) await new Promise((resolve) => setTimeout(resolve, this.chunkDelayMs));
    }
    send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
    const options = body.stream_options as { include_usage?: boolean } | undefined;
    if (options?.include_usage) send({ ...base, choices: [], usage });
    res.end('data: [DONE]\n\n');
  }

  private embeddings(body: Record<string, unknown>, res: ServerResponse): void {
    const input = Array.isArray(body.input)
      ? (body.input as unknown[]).map(String)
      : [String(body.input ?? '')];
    sendEmbeddings(res, body, input, (text) => this.embed(text), 'fake-embedding');
  }
}

/**
 * Answers an OpenAI-compatible embeddings request with `embed`'s vectors (as numbers, or base64 float32
 * when the client asked for it, as the official client does).
 */
export function sendEmbeddings(
  res: ServerResponse,
  body: Record<string, unknown>,
  inputs: readonly string[],
  embed: (text: string) => number[],
  defaultModel: string,
): void {
  const base64 = body.encoding_format === 'base64';
  const data = inputs.map((text, index) => {
    const vector = embed(text);
    const embedding = base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
    return { object: 'embedding', index, embedding };
  });
  const tokens = inputs.join(' ').length >> 2;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      object: 'list',
      data,
      model: String(body.model ?? defaultModel),
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    }),
  );
}
