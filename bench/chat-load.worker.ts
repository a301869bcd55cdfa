/**
 * The idle-connections side of the chat bench, in its own thread so it does not share the bench's (or the
 * tool's) event loop: opens many SSE connections to one web process on loopback with one learner's
 * session token, keeps them open, reports, and closes them when told to.
 */
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

interface Input {
  /** Base URL of the web process (loopback only). */
  url: string;
  ltik: string;
  connections: number;
  /** Connection attempts in flight at once while opening. */
  concurrency: number;
  /** Give up opening after this long. */
  timeoutMs: number;
}

const input = workerData as Input;
const target = new URL('/api/chat/events', input.url);
if (!['localhost', '127.0.0.1', '[::1]'].includes(target.hostname)) throw new Error('loopback only');
const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

const open = new Set<http.ClientRequest>();
let opened = 0;
let failed = 0;
let closedAfterOpen = 0;
let next = 0;
const errors = new Map<string, number>();
const countError = (what: string) => errors.set(what, (errors.get(what) ?? 0) + 1);

/** Opens one SSE connection; resolves once the first bytes of the stream arrived (or it failed). */
function openOne(): Promise<void> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (ok: boolean, why?: string) => {
      if (settled) return;
      settled = true;
      if (ok) opened++;
      else {
        failed++;
        if (why) countError(why);
      }
      resolve();
    };
    const request = http.get(
      target,
      { agent, headers: { authorization: `Bearer ${input.ltik}`, accept: 'text/event-stream' } },
      (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          open.delete(request);
          settle(false, `status ${response.statusCode}`);
          return;
        }
        response.once('data', () => settle(true));
        response.on('data', () => undefined); // keep reading (heartbeats, events)
        response.once('close', () => {
          if (open.delete(request) && settled) closedAfterOpen++;
          settle(false, 'closed before data');
        });
      },
    );
    open.add(request);
    request.setTimeout(30_000, () => {
      if (!settled) request.destroy(new Error('open timeout'));
    });
    request.on('error', (error) => {
      open.delete(request);
      settle(false, (error as NodeJS.ErrnoException).code ?? error.message);
    });
  });
}

const started = performance.now();
const deadline = Date.now() + input.timeoutMs;
await Promise.all(
  Array.from({ length: input.concurrency }, async () => {
    while (next < input.connections && Date.now() < deadline) {
      next++;
      await openOne();
    }
  }),
);
const openSeconds = (performance.now() - started) / 1000;
parentPort?.postMessage({
  type: 'opened',
  opened,
  failed,
  openSeconds,
  errors: Object.fromEntries(errors),
});

// Held until the bench asks how many are still open, then to close them all.
parentPort?.on('message', (message: string) => {
  if (message === 'count') {
    parentPort?.postMessage({ type: 'count', stillOpen: open.size, closedAfterOpen });
  } else if (message === 'close') {
    for (const request of open) request.destroy();
    open.clear();
    agent.destroy();
    parentPort?.postMessage({ type: 'closed' });
    parentPort?.close();
  }
});
