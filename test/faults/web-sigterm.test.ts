import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Agent, type IncomingMessage, request } from 'node:http';
import { expect } from 'chai';
import { eventually } from '../support/eventually.js';
import { type FaultStack, launchThrough, startFaultStack, type WebProcess } from '../support/fault-stack.js';
import { FakeOpenAI } from '../support/openai-fake.js';
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

/**
 * A live stream over a connection the client would keep open after the response (a keep-alive agent
 * with no idle timeout, as browsers keep theirs for minutes): only the server can close it.
 */
async function keptAliveStream(url: string, token: string, lastEventId: string) {
  const agent = new Agent({ keepAlive: true });
  const req = request(url, {
    agent,
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', 'last-event-id': lastEventId },
  });
  req.end();
  const [response] = (await once(req, 'response')) as [IncomingMessage];
  const socket = response.socket;
  const socketClosed = once(socket, 'close');
  const ended = once(response, 'end');
  response.resume();
  return { ended, socketClosed, close: () => agent.destroy() };
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
    const keptAlive = await keptAliveStream(`${doomed.url}/api/chat/events`, learner.token, readUpTo);
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
    // …and their connections are closed by the server, so no page reconnects over one to this process.
    await keptAlive.ended;
    await keptAlive.socketClosed;
    keptAlive.close();
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

describe('SIGTERM on a web process while an answer is being written', function () {
  this.timeout(150_000);
  const model = new FakeOpenAI();
  let stack: FaultStack;
  let doomed: WebProcess;
  let other: WebProcess;

  before(async () => {
    await model.start();
    model.reply = [
      'Open',
      ' the',
      ' sign-in',
      ' page',
      ' and',
      ' select',
      ' Forgot',
      ' password',
      ' [1].',
      '\nCONFIDENCE: 0.9',
    ];
    const withModel = { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: model.url };
    stack = await startFaultStack();
    [doomed, other] = await Promise.all([
      stack.startWeb({ ...withModel, SHUTDOWN_TIMEOUT_MS: '120000' }),
      stack.startWeb(withModel),
      stack.startWorker(withModel), // ingests the help article
    ]);
  });
  after(async () => {
    model.releaseStreams();
    await stack?.stop();
    await model.stop();
  });

  it('finishes and stores the answer before exiting 0, and the reconnected page receives it', async () => {
    const admin = await launchThrough(doomed, 'admin');
    const added = await api(doomed.app, admin, '/api/knowledge/qa', {
      method: 'POST',
      body: {
        question: 'How do I reset my password?',
        answer: 'Open the sign-in page, select Forgot password and follow the link we email you.',
      },
    });
    expect(added.status, added.text).to.equal(201);
    await eventually(async () => {
      const source = await api(doomed.app, admin, `/api/knowledge/sources/${added.body.data.id}`);
      return source.body?.data?.status === 'ready';
    }, 'the help article to be searchable');

    const learner = await launchThrough(doomed);
    const opened = await api(doomed.app, learner, '/api/chat');
    const conversationId = opened.body.conversation.id as string;
    const stream = holdStream(`${doomed.url}/api/chat/events`, learner.token, opened.body.lastEventId);
    await stream.opened;
    model.pauseAfterChunks = 3;
    const clientId = `c-${randomUUID()}`;
    const posted = await api(doomed.app, learner, '/api/chat/messages', {
      method: 'POST',
      body: { conversationId, clientId, text: 'How do I reset my password?' },
    });
    expect(posted.status, posted.text).to.equal(201);
    await model.paused(); // the answer is being streamed to the learner

    doomed.process.child.kill('SIGTERM');
    await doomed.process.waitFor(/shutting down/);
    await stream.ended;
    // The answer goes on only once the process has either waited for it or exited without it.
    const exited = once(doomed.process.child, 'exit');
    const waiting = doomed.process.waitFor(/waiting for work in progress/).catch(() => undefined);
    await Promise.race([waiting, exited]);
    model.releaseStreams();
    expect(await doomed.process.stop()).to.equal(0);

    const again = holdStream(
      `${other.url}/api/chat/events`,
      learner.token,
      stream.lastEventId() ?? opened.body.lastEventId,
    );
    try {
      const answer = await again.waitFor(
        (event) => event.type === 'message' && event.data.message.author === 'bot',
        'the answer, stored before the process exited, replayed after the reconnect',
      );
      expect(answer.data.message.text).to.contain('Forgot password');
    } finally {
      again.close();
    }
  });
});
