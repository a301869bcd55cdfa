import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { sendEmbeddings } from './openai-fake.js';

/** How the server answers: vectors, never (hang), 429, or not at all because it is down (see stop). */
export type EmbeddingsMode = 'ok' | 'hang' | '429';

/**
 * A real local OpenAI-compatible embeddings server (`POST /v1/embeddings`) for tests: deterministic
 * bag-of-words vectors, and it counts what a slow server would feel: requests open at once (and the
 * most ever), inputs per request. It can hang, answer 429, or be stopped and started again on the same
 * port (down, then back).
 */
export class EmbeddingsServer {
  mode: EmbeddingsMode = 'ok';
  /** Pause before answering, as a slow single-threaded server would take (lets requests overlap). */
  delayMs = 0;
  readonly dimensions = 64;
  inFlight = 0;
  maxInFlight = 0;
  maxInputs = 0;
  /** Every request's inputs, in arrival order. */
  readonly received: string[][] = [];
  private readonly hanging = new Set<ServerResponse>();
  private server?: Server;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  /** Listens (on the same port as before after a stop, so the app's setting stays right). */
  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    this.port = address.port;
    this.server = server;
    return this;
  }

  /** Down: connections refused until {@link start}. */
  async stop(): Promise<void> {
    this.releaseHanging();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Ends the requests left hanging (their clients see the connection drop). */
  releaseHanging(): void {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }

  /** Forgets the counts (between test steps). */
  resetCounts(): void {
    this.maxInFlight = this.inFlight;
    this.maxInputs = 0;
    this.received.length = 0;
  }

  /** Requests that carried exactly one input equal to `text` (a question's embedding). */
  requestsFor(text: string): number {
    return this.received.filter((inputs) => inputs.length === 1 && inputs[0] === text).length;
  }

  /** The deterministic vector of a text: hashed words of 3+ letters, L2-normalised. */
  embed(text: string): number[] {
    const v = new Array<number>(this.dimensions).fill(0);
    for (const word of text.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? []) {
      let h = 2166136261;
      for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16777619);
      const at = (h >>> 0) % this.dimensions;
      v[at] = (v[at] ?? 0) + 1;
    }
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
    return v.map((x) => x / norm);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    res.on('close', () => {
      this.inFlight--;
      this.hanging.delete(res);
    });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: { input?: unknown; model?: unknown; encoding_format?: unknown } = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      body = {};
    }
    const inputs = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')];
    this.received.push(inputs);
    this.maxInputs = Math.max(this.maxInputs, inputs.length);
    if (this.mode === 'hang') {
      this.hanging.add(res);
      return;
    }
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    if (this.mode === '429') {
      res.writeHead(429, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Rate limit reached', type: 'rate_limit_exceeded' } }));
      return;
    }
    sendEmbeddings(res, body, inputs, (text) => this.embed(text), 'test-embeddings');
  }
}
