import { once } from 'node:events';
import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the proxy passed on: which upstream (by index) served it. */
export interface ProxiedRequest {
  method: string;
  /** Path and query, as the client sent it. */
  url: string;
  upstream: number;
}

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are not forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
]);

function endToEnd(headers: IncomingMessage['headers']): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.has(name)) kept[name] = value;
  return kept;
}

/**
 * A small HTTP load balancer for tests, in the place nginx or a cloud load balancer takes in production:
 * each request goes to the next upstream in turn (round robin per request, not per connection, so two
 * requests on one kept-alive client connection land on different processes), with no stickiness of any
 * kind. Bodies are piped both ways as they arrive, so Server-Sent Events stream through unbuffered; a
 * client that goes away closes its upstream request, so the upstream sees the stream end. Every request
 * is logged with the upstream that served it (`log`), and the answer carries `x-upstream: <index>`.
 */
export class RoundRobinProxy {
  readonly log: ProxiedRequest[] = [];
  private next = 0;
  private server?: Server;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  url = '';

  /** `upstreams`: base URLs (http://127.0.0.1:<port>) of the processes behind the proxy. */
  constructor(readonly upstreams: string[]) {
    if (upstreams.length === 0) throw new Error('a proxy needs at least one upstream');
  }

  /**
   * Listens on `port` (0: a free one) of 127.0.0.1; `url` is then http://<hostName>:<port> (`localhost` and
   * `127.0.0.1` are two sites to a browser: a tool and the LMS framing it).
   */
  async start(port = 0, hostName = '127.0.0.1'): Promise<this> {
    this.server = createServer((req, res) => this.forward(req, res));
    this.server.keepAliveTimeout = 5_000;
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://${hostName}:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Which upstreams served the requests whose path starts with `prefix`, in order. */
  servedBy(method: string, prefix: string): number[] {
    return this.log
      .filter((entry) => entry.method === method && entry.url.startsWith(prefix))
      .map((entry) => entry.upstream);
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const upstream = this.next;
    this.next = (this.next + 1) % this.upstreams.length;
    this.log.push({ method: req.method ?? 'GET', url: req.url ?? '/', upstream });
    const target = new URL(req.url ?? '/', this.upstreams[upstream]);
    const forwardedFor = [req.headers['x-forwarded-for'], req.socket.remoteAddress]
      .filter(Boolean)
      .join(', ');
    const outgoing = request(target, {
      method: req.method,
      agent: this.agent,
      // The Host header is kept: the tool builds no URLs from it (PUBLIC_URL does), but logs may show it.
      headers: {
        ...endToEnd(req.headers),
        'x-forwarded-for': forwardedFor,
        'x-forwarded-proto': 'http',
        'x-forwarded-host': req.headers.host ?? '',
      },
    });
    outgoing.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, {
        ...endToEnd(answer.headers),
        'x-upstream': String(upstream),
      });
      // Send the head at once: an event stream's first event may be a while coming.
      res.flushHeaders();
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    outgoing.on('error', (error) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`upstream ${upstream} failed: ${error.message}`);
    });
    // The client went away before the answer ended (a closed event stream): end the upstream request too.
    res.on('close', () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    req.pipe(outgoing);
  }
}
