import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { request } from 'node:http';
import { expect } from 'chai';
import { eventually } from '../support/eventually.js';
import { type FaultStack, launchThrough, startFaultStack, type WebProcess } from '../support/fault-stack.js';
import { api } from '../support/people.js';
import { holdStream } from '../support/sse-stream.js';

/**
 * A request the server has begun (its headers read: the server said `100 Continue`) whose body the
 * client sends only when told: a request in flight for as long as the test wants.
 */
function requestInFlight(url: string, token: string, body: unknown) {
  const payload = JSON.stringify(body);
  const req = request(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
      expect: '100-continue',
    },
  });
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      response.on('error', reject);
    });
    req.on('error', reject);
  });
  req.flushHeaders();
  return {
    started: once(req, 'continue'),
    finish() {
      req.end(payload);
      return answered;
    },
  };
}

describe('SIGTERM on a web process with live streams and a request in flight', function () {
  this.timeout(120_000);
  let stack: FaultStack;
  let doomed: WebProcess;
  let other: WebProcess;

  before(async () => {
    stack = await startFaultStack();
    // A long shutdown budget: the process must finish by draining, not by running out of time.
    [doomed, other] = await Promise.all([
      stack.startWeb({ SHUTDOWN_TIMEOUT_MS: '120000' }),
      stack.startWeb(),
    ]);
  });
  after(() => stack?.stop());

  it('finishes the request, closes the streams so pages reconnect to another process, and exits 0', async () => {
    const learner = await launchThrough(doomed);
    const opened = await api(doomed.app, learner, '/api/chat');
    expect(opened.status, opened.text).to.equal(200);
    const conversationId = opened.body.conversation.id as string;
    // As the page does: the stream resumes after the last event the thread's read included.
    const readUpTo = opened.body.lastEventId as string;
    const streams = [1, 2].map(() => holdStream(`${doomed.url}/api/chat/events`, learner.token, readUpTo));
    await Promise.all(streams.map((stream) => stream.opened));
    const clientId = `c-${randomUUID()}`;
    const inFlight = requestInFlight(`${doomed.url}/api/chat/messages`, learner.token, {
      conversationId,
      clientId,
      text: 'Where do I find my course certificate?',
    });
    await inFlight.started;

    doomed.process.child.kill('SIGTERM');
    await doomed.process.waitFor(/shutting down/);

    // The streams end while the request is still being served: the pages do not wait for the drain.
    await Promise.all(streams.map((stream) => stream.ended));
    expect(doomed.process.child.exitCode, 'the process waits for the request in flight').to.equal(null);
    const answered = await inFlight.finish();
    expect(answered.status, answered.body).to.equal(201);
    const exitCode = await doomed.process.stop();
    expect(exitCode).to.equal(0);

    // A page reconnects (to whichever process the balancer picks) and misses nothing stored meanwhile.
    const lastSeen = streams[0]!.lastEventId() ?? readUpTo;
    const again = holdStream(`${other.url}/api/chat/events`, learner.token, lastSeen);
    try {
      await again.waitFor(
        (event) => event.type === 'message' && event.data.message.clientId === clientId,
        'the learner message sent during the drain, replayed after the reconnect',
      );
    } finally {
      again.close();
    }
    const thread = await eventually(async () => {
      const read = await api(other.app, learner, '/api/chat');
      return read.status === 200 ? read.body : undefined;
    }, 'the thread read from the other process');
    const mine = (thread.messages as { clientId?: string }[]).filter((m) => m.clientId === clientId);
    expect(mine).to.have.length(1);
  });
});
