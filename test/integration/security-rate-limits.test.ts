import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { type EmbeddedServices, startEmbeddedServices } from '../../src/app/embedded-services.js';
import { RATE_WINDOW_MS } from '../../src/http/middleware/rate-limit.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, launchSession } from '../support/people.js';
import { quietLogger } from '../support/services.js';

const LIMITS = { launch: 20, chat: 3, api: 12 };

/** Sends `limit` requests (each must pass), then one more: the one the limit refuses. */
async function pastTheLimit(limit: number, send: () => Promise<Response>): Promise<Response> {
  for (let i = 0; i < limit; i += 1) {
    const response = await send();
    expect(response.status, `request ${i + 1} of ${limit} allowed`).not.to.equal(429);
    await response.body?.cancel();
  }
  return send();
}

/**
 * Counters run in one-minute windows. A check that happened to straddle the end of a window saw its count
 * restart: it runs again with a fresh caller (`attempt` gets the try number), so every assertion is exact.
 */
async function inOneWindow<T>(attempt: (tryNumber: number) => Promise<T>): Promise<T> {
  for (let tryNumber = 0; tryNumber < 3; tryNumber += 1) {
    const window = Math.floor(Date.now() / RATE_WINDOW_MS);
    const result = await attempt(tryNumber);
    if (Math.floor(Date.now() / RATE_WINDOW_MS) === window) return result;
  }
  throw new Error('three tries each straddled a window boundary');
}

function expectRetryAfter(response: Response): number {
  const seconds = Number(response.headers.get('retry-after'));
  expect(seconds).to.be.within(1, 60);
  return seconds;
}

describe('security: rate limits on launch, chat and API (counters in Redis)', function () {
  this.timeout(120_000);
  let dataDir: string;
  let redis: EmbeddedServices;
  let app: TestApp;

  const person = async (given: string) =>
    launchSession(app, 'learner', (claims) => {
      claims.sub = `rate-${given}-${randomUUID()}`;
      claims.name = `${given} Rate`;
    });

  before(async () => {
    // A Redis of our own: the last test stops it.
    dataDir = mkdtempSync(path.join(tmpdir(), 'chatref-rate-'));
    redis = await startEmbeddedServices({ dataDir, logger: quietLogger, mongo: false, redis: true });
    app = await startTestApp({
      env: {
        REDIS_URL: redis.redisUrl as string,
        RATE_LIMIT_LAUNCH_PER_MINUTE: String(LIMITS.launch),
        RATE_LIMIT_CHAT_PER_MINUTE: String(LIMITS.chat),
        RATE_LIMIT_API_PER_MINUTE: String(LIMITS.api),
      },
    });
  });
  let second: TestApp | undefined;
  after(async () => {
    // In-process apps share mongoose's connection: they stop together, at the end.
    await second?.stop();
    await app?.stop();
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('launches from one address past the limit get a 429 page with Retry-After; other addresses still launch', async () => {
    // The app trusts a proxy on loopback, as behind a load balancer: X-Forwarded-For is the client address.
    const login = (address: string) =>
      fetch(`${app.url}/lti/login`, { headers: { 'x-forwarded-for': address }, redirect: 'manual' });
    const address = await inOneWindow(async (tryNumber) => {
      const client = `203.0.113.${tryNumber + 7}`;
      const refused = await pastTheLimit(LIMITS.launch, () => login(client));
      expect(refused.status).to.equal(429);
      return { client, refused };
    });
    const { refused } = address;
    expect(refused.headers.get('content-type')).to.contain('text/html');
    const seconds = expectRetryAfter(refused);
    const html = await refused.text();
    expect(html).to.contain('Chatref could not open');
    expect(html).to.contain(`Please wait ${seconds} second`);
    expect(html).to.contain('rate_limited');
    const other = await login('198.51.100.200');
    expect(other.status).to.equal(400); // an ordinary answer (the login lacks its parameters), not 429
    // The refused address's launch endpoint is refused too: login and launch share the count.
    const launch = await fetch(`${app.url}/lti/launch`, {
      method: 'POST',
      headers: { 'x-forwarded-for': address.client },
      body: new URLSearchParams({ state: 'x', id_token: 'y' }),
    });
    expect(launch.status).to.equal(429);
  });

  it('a learner sending chat messages too fast gets 429 with a friendly message; another learner chats on', async () => {
    const send = (who: { token: string }, id: string) =>
      fetch(`${app.url}/api/chat/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${who.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          conversationId: id,
          clientId: randomUUID(),
          text: 'How do I reset my password?',
        }),
      });
    const refused = await inOneWindow(async () => {
      const hasty = await person('Hasty');
      const conversationId = (await api(app, hasty, '/api/chat')).body.conversation.id as string;
      return pastTheLimit(LIMITS.chat, () => send(hasty, conversationId));
    });
    expect(refused.status).to.equal(429);
    const seconds = expectRetryAfter(refused);
    const body = await refused.json();
    expect(body.error.code).to.equal('rate_limited');
    expect(body.error.message).to.equal(
      `You are sending messages faster than the assistant can answer. Please wait ${seconds} second${seconds === 1 ? '' : 's'} and send it again.`,
    );
    const calm = await person('Calm');
    const calmConversation = (await api(app, calm, '/api/chat')).body.conversation.id as string;
    expect((await send(calm, calmConversation)).status).to.equal(201);
  });

  it('API calls past the per-person limit get 429 JSON with Retry-After', async () => {
    const refused = await inOneWindow(async () => {
      const busy = await person('Busy');
      return pastTheLimit(LIMITS.api, () =>
        fetch(`${app.url}/api/chat/preferences`, { headers: { authorization: `Bearer ${busy.token}` } }),
      );
    });
    expect(refused.status).to.equal(429);
    expectRetryAfter(refused);
    const body = await refused.json();
    expect(body.error).to.include({ code: 'rate_limited' });
    expect(body.error.message).to.match(
      /^Too many requests in a short time\. Please wait \d+ seconds? and try again\.$/,
    );
    const other = await person('Other');
    expect((await api(app, other, '/api/chat/preferences')).status).to.equal(200);
  });

  it('counts are shared by every web process (they live in Redis)', async () => {
    second = await startTestApp({
      env: {
        REDIS_URL: redis.redisUrl as string,
        RATE_LIMIT_LAUNCH_PER_MINUTE: String(LIMITS.launch),
        RATE_LIMIT_CHAT_PER_MINUTE: String(LIMITS.chat),
        RATE_LIMIT_API_PER_MINUTE: String(LIMITS.api),
      },
    });
    const urls = [app.url, second.url];
    const statuses = await inOneWindow(async () => {
      const roaming = await person('Roaming');
      const call = (url: string) =>
        fetch(`${url}/api/chat/preferences`, { headers: { authorization: `Bearer ${roaming.token}` } });
      // Alternate between the two servers, as a round-robin load balancer would: each sees half the calls.
      let turn = 0;
      const last = await pastTheLimit(LIMITS.api, () => call(urls[turn++ % 2] as string));
      const next = await call(urls[turn % 2] as string);
      return [last.status, next.status];
    });
    // Per-process counts would let each server allow the limit again; a shared count refuses on both.
    expect(statuses).to.deep.equal([429, 429]);
  });

  describe('while Redis is down', () => {
    let learner: { token: string };
    let conversationId: string;
    before(async () => {
      learner = await person('Outage');
      conversationId = (await api(app, learner, '/api/chat')).body.conversation.id as string;
      await redis.stop();
    });

    it('launches are refused at once with 503 and Retry-After (the login state needs Redis anyway)', async () => {
      const response = await fetch(`${app.url}/lti/login`, {
        headers: { 'x-forwarded-for': '198.51.100.1' },
        redirect: 'manual',
      });
      expect(response.status).to.equal(503);
      expect(Number(response.headers.get('retry-after'))).to.be.greaterThan(0);
      const html = await response.text();
      expect(html).to.contain('Chatref cannot open right now');
    });

    it('API calls that need no Redis go on (the limit fails open for people with a session)', async () => {
      // Well past the limit: no counter, no 429.
      for (let i = 0; i < LIMITS.api + 2; i += 1) {
        const response = await api(app, learner, '/api/chat/preferences');
        expect(response.status, `call ${i + 1}`).to.equal(200);
      }
    });

    it('chat messages past the limit are not refused by the limiter (whatever else the outage does)', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < LIMITS.chat + 2; i += 1) {
        const response = await fetch(`${app.url}/api/chat/messages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${learner.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ conversationId, clientId: randomUUID(), text: `Still there? ${i}` }),
        });
        const body = await response.json();
        expect(body.error?.code, JSON.stringify(body)).not.to.equal('rate_limited');
        statuses.push(response.status);
      }
      expect(statuses).not.to.include(429);
    });
  });
});
