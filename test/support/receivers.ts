import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * Local receivers for notification tests: an SMTP server that records the messages it is given, and an
 * HTTP server (Slack, Teams, webhook) that records requests and answers with chosen statuses.
 * Both offer `waitFor(predicate)`: tests synchronise on what arrived, never on sleeps.
 */

/** Waits until `check` returns a value (not undefined/false), re-checking whenever `onChange` fires. */
class Waiters<T> {
  private readonly pending = new Set<() => void>();

  constructor(private readonly items: () => T[]) {}

  notify(): void {
    for (const wake of [...this.pending]) wake();
  }

  /** Resolves with the first recorded item matching `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (item: T) => boolean, timeoutMs = 15_000, what = 'item'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = (): boolean => {
        const found = this.items().find(predicate);
        if (found === undefined) return false;
        this.pending.delete(wake);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const wake = () => void check();
      const timer = setTimeout(() => {
        this.pending.delete(wake);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for a matching ${what} (${this.items().length} recorded)`,
          ),
        );
      }, timeoutMs);
      if (check()) return;
      this.pending.add(wake);
    });
  }

  /** Resolves once at least `count` recorded items match. */
  async waitForCount(predicate: (item: T) => boolean, count: number, timeoutMs = 15_000): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const matching = this.items().filter(predicate);
      if (matching.length >= count) return matching;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for ${count} matching items (${matching.length} so far)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        const wake = () => {
          this.pending.delete(wake);
          done();
        };
        this.pending.add(wake);
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------- SMTP

/** One message the SMTP server accepted, parsed enough for assertions. */
export interface ReceivedMail {
  from: string;
  to: string[];
  /** Header names lower-cased; values unfolded (and RFC 2047 words decoded for `subject`). */
  headers: Record<string, string>;
  subject: string;
  messageId: string;
  /** Decoded text/plain part ('' when absent). */
  text: string;
  /** Decoded text/html part ('' when absent). */
  html: string;
  raw: string;
}

export interface SmtpReceiver {
  /** `smtp://127.0.0.1:<port>` for SMTP_URL. */
  url: string;
  port: number;
  messages: ReceivedMail[];
  waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  waitForCount(
    predicate: (mail: ReceivedMail) => boolean,
    count: number,
    timeoutMs?: number,
  ): Promise<ReceivedMail[]>;
  /** Answers the next `times` DATA commands with a 451 temporary failure. */
  failNext(times: number): void;
  /**
   * Holds the next connection before the server's greeting (the sender waits, nothing is sent yet)
   * until `release` is called; resolves once a sender is held there (it is mid-send).
   */
  holdNextConnection(): { held: Promise<void>; release(): void };
  clear(): void;
  close(): Promise<void>;
}

/** Starts a local SMTP server (no TLS, no auth) on a free port of 127.0.0.1. */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const messages: ReceivedMail[] = [];
  const waiters = new Waiters(() => messages);
  let failures = 0;
  let hold: { reached: () => void; released: Promise<void> } | undefined;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    onConnect(_session, callback) {
      const holding = hold;
      hold = undefined;
      if (!holding) return callback();
      holding.reached();
      void holding.released.then(() => callback());
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (failures > 0) {
          failures -= 1;
          const error = new Error('temporary failure (test)') as Error & { responseCode: number };
          error.responseCode = 451;
          callback(error);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const to = session.envelope.rcptTo.map((rcpt) => rcpt.address);
        messages.push(parseMail(raw, from, to));
        waiters.notify();
        callback();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    waitFor: (predicate, timeoutMs) => waiters.waitFor(predicate, timeoutMs, 'mail'),
    waitForCount: (predicate, count, timeoutMs) => waiters.waitForCount(predicate, count, timeoutMs),
    failNext(times) {
      failures = times;
    },
    holdNextConnection() {
      let reached = () => {};
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        reached = resolve;
      });
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      hold = { reached, released };
      return { held, release };
    },
    clear() {
      messages.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function splitHead(raw: string): { head: string; body: string } {
  const index = raw.search(/\r?\n\r?\n/);
  if (index < 0) return { head: raw, body: '' };
  const match = /\r?\n\r?\n/.exec(raw.slice(index))!;
  return { head: raw.slice(0, index), body: raw.slice(index + match[0].length) };
}

function parseHeaders(head: string): Record<string, string> {
  const headers: Record<string, string> = {};
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers[name] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** Decodes RFC 2047 encoded words (`=?utf-8?Q?…?=`, `=?utf-8?B?…?=`). */
export function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(
      /=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g,
      (_all, _charset: string, encoding: string, text: string) => {
        if (encoding.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
        const bytes = text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => `%${hex}`);
        try {
          return decodeURIComponent(bytes);
        } catch {
          return bytes;
        }
      },
    );
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch ((encoding ?? '').toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable': {
      const joined = body.replace(/=\r?\n/g, '');
      const bytes: number[] = [];
      for (let i = 0; i < joined.length; i++) {
        const hex = joined.slice(i + 1, i + 3);
        if (joined[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
          bytes.push(Number.parseInt(hex, 16));
          i += 2;
        } else bytes.push(...Buffer.from(joined[i]!, 'utf8'));
      }
      return Buffer.from(bytes).toString('utf8');
    }
    default:
      return body;
  }
}

function collectParts(head: Record<string, string>, body: string, out: { text: string; html: string }): void {
  const type = head['content-type'] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    const pieces = body.split(`--${boundary}`);
    for (const piece of pieces.slice(1)) {
      if (piece.startsWith('--')) break;
      const { head: partHead, body: partBody } = splitHead(piece.replace(/^\r?\n/, ''));
      collectParts(parseHeaders(partHead), partBody.replace(/\r?\n$/, ''), out);
    }
    return;
  }
  const decoded = decodeBody(body, head['content-transfer-encoding']).replace(/\r\n/g, '\n');
  if (/^text\/html/i.test(type)) out.html ||= decoded;
  else if (/^text\/plain/i.test(type)) out.text ||= decoded;
}

/** Parses a raw RFC 5322 message: headers, and the text and html parts of (nested) multiparts. */
export function parseMail(raw: string, from: string, to: string[]): ReceivedMail {
  const { head, body } = splitHead(raw);
  const headers = parseHeaders(head);
  const parts = { text: '', html: '' };
  collectParts(headers, body, parts);
  return {
    from,
    to,
    headers,
    subject: decodeWords(headers.subject ?? ''),
    messageId: headers['message-id'] ?? '',
    text: parts.text,
    html: parts.html,
    raw,
  };
}

// ---------------------------------------------------------------------------------------------- HTTP

/** One request the HTTP receiver got. */
export interface ReceivedRequest {
  method: string;
  /** Path and query, e.g. `/slack/T1`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as sent (signatures are computed over it). */
  body: string;
  /** `JSON.parse(body)` when it parses, else undefined. */
  json: unknown;
  /** The status the receiver answered with. */
  status: number;
}

export interface HttpReceiver {
  /** `http://127.0.0.1:<port>`; any path is accepted. */
  url: string;
  requests: ReceivedRequest[];
  /**
   * Answers the next `times` requests whose path starts with `pathPrefix` (all paths when omitted) with
   * `status`; `times` Infinity answers so until changed. Later calls for the same prefix replace earlier.
   */
  respondWith(status: number, times?: number, pathPrefix?: string, body?: string): void;
  /** Back to answering 200 `ok` everywhere. */
  reset(): void;
  waitFor(predicate: (request: ReceivedRequest) => boolean, timeoutMs?: number): Promise<ReceivedRequest>;
  waitForCount(
    predicate: (request: ReceivedRequest) => boolean,
    count: number,
    timeoutMs?: number,
  ): Promise<ReceivedRequest[]>;
  clear(): void;
  close(): Promise<void>;
}

interface Rule {
  prefix: string;
  status: number;
  left: number;
  body?: string;
}

/** Starts a local HTTP receiver on a free port of 127.0.0.1: answers 200 `ok` unless told otherwise. */
export async function startHttpReceiver(): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const waiters = new Waiters(() => requests);
  let rules: Rule[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      const rule = rules
        .filter((candidate) => candidate.left > 0 && path.startsWith(candidate.prefix))
        .sort((a, b) => b.prefix.length - a.prefix.length)[0];
      if (rule) rule.left -= 1;
      const status = rule?.status ?? 200;
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body, json, status });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(rule?.body ?? (status < 300 ? 'ok' : status === 404 ? 'no_service' : 'error'));
      waiters.notify();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respondWith(status, times = Number.POSITIVE_INFINITY, pathPrefix = '/', body) {
      rules = rules.filter((rule) => rule.prefix !== pathPrefix);
      rules.push({ prefix: pathPrefix, status, left: times, body });
    },
    reset() {
      rules = [];
    },
    waitFor: (predicate, timeoutMs) => waiters.waitFor(predicate, timeoutMs, 'request'),
    waitForCount: (predicate, count, timeoutMs) => waiters.waitForCount(predicate, count, timeoutMs),
    clear() {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
