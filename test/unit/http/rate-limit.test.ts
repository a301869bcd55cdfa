import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import type { Redis } from 'ioredis';
import { VIEWS_DIR } from '../../../src/http/app.js';
import {
  type RateCounter,
  type RateRule,
  RedisRateCounter,
  rateLimit,
} from '../../../src/http/middleware/rate-limit.js';
import { createLogger } from '../../../src/lib/logger.js';

/** In-memory counts per key and window, like the Redis counter. */
class MemoryCounter implements RateCounter {
  readonly counts = new Map<string, number>();
  async hit(key: string, windowMs: number, nowMs: number): Promise<number> {
    const slot = `${key}:${Math.floor(nowMs / windowMs)}`;
    const count = (this.counts.get(slot) ?? 0) + 1;
    this.counts.set(slot, count);
    return count;
  }
}

const down: RateCounter = { hit: () => Promise.reject(new Error('Redis is down')) };

function rule(overrides: Partial<RateRule> = {}): RateRule {
  return {
    name: 'api',
    limit: 2,
    whenCounterDown: 'open',
    subject: async () => 'user:t:u',
    message: (seconds) => `wait ${seconds}`,
    ...overrides,
  };
}

async function serve(rateRule: RateRule, counter: RateCounter, now: () => number) {
  const app = express();
  app.set('views', VIEWS_DIR);
  app.set('view engine', 'ejs');
  app.use(rateLimit(rateRule, counter, createLogger({ level: 'silent' }), now));
  app.use((_req, res) => {
    res.json({ ok: true });
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('rate limit middleware', () => {
  it('lets the limit through, then answers 429 with the seconds left in the window as Retry-After', async () => {
    const at = 10 * 60_000 + 45_200; // 45.2 s into a window: 14.8 s left, rounded up
    const server = await serve(rule(), new MemoryCounter(), () => at);
    try {
      expect((await fetch(server.url)).status).to.equal(200);
      expect((await fetch(server.url)).status).to.equal(200);
      const refused = await fetch(server.url);
      expect(refused.status).to.equal(429);
      expect(refused.headers.get('retry-after')).to.equal('15');
      expect(await refused.json()).to.deep.equal({
        error: { code: 'rate_limited', message: 'wait 15', retryAfterSeconds: 15 },
      });
    } finally {
      await server.close();
    }
  });

  it('a new window starts a new count', async () => {
    let at = 60_000 * 7 + 59_000;
    const server = await serve(rule({ limit: 1 }), new MemoryCounter(), () => at);
    try {
      expect((await fetch(server.url)).status).to.equal(200);
      expect((await fetch(server.url)).status).to.equal(429);
      at += 1_000;
      expect((await fetch(server.url)).status).to.equal(200);
    } finally {
      await server.close();
    }
  });

  it('with the counter down, an open rule lets requests through and a closed one answers 503 with Retry-After', async () => {
    const open = await serve(rule(), down, Date.now);
    const closed = await serve(rule({ name: 'launch', whenCounterDown: 'closed' }), down, Date.now);
    try {
      for (let i = 0; i < 5; i += 1) expect((await fetch(open.url)).status).to.equal(200);
      const refused = await fetch(closed.url, { headers: { accept: 'text/html' } });
      expect(refused.status).to.equal(503);
      expect(Number(refused.headers.get('retry-after'))).to.be.greaterThan(0);
      expect(await refused.text()).to.contain('Chatref cannot open right now');
    } finally {
      await open.close();
      await closed.close();
    }
  });

  it('a limit of 0 is no limit', async () => {
    const server = await serve(rule({ limit: 0 }), down, Date.now);
    try {
      for (let i = 0; i < 3; i += 1) expect((await fetch(server.url)).status).to.equal(200);
    } finally {
      await server.close();
    }
  });

  it('a Redis that stops answering counts as down instead of holding the request', async () => {
    const hung = { eval: () => new Promise(() => undefined) } as unknown as Redis;
    const error = await new RedisRateCounter(hung, 'p')
      .hit('api:user:t:u', 60_000, Date.now())
      .catch((e) => e);
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.equal('rate counter timed out');
  });
});
