import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { type EmbeddedServices, startEmbeddedServices } from '../../src/app/embedded-services.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { quietLogger } from '../support/services.js';

async function readyStatus(url: string): Promise<number> {
  return (await fetch(`${url}/readyz`)).status;
}

async function eventually(predicate: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return true;
    await sleep(100);
  }
  return false;
}

describe('readiness while Redis goes away and comes back', () => {
  let dataDir: string;
  let redis: EmbeddedServices;
  let app: TestApp;
  let port: number;

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'chatref-redis-'));
    redis = await startEmbeddedServices({ dataDir, logger: quietLogger, mongo: false, redis: true });
    port = Number(new URL(redis.redisUrl!).port);
    app = await startTestApp({ env: { REDIS_URL: redis.redisUrl! } });
  });

  after(async () => {
    await app?.stop();
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('turns /readyz to 503 while Redis is stopped and back to 200 when it returns', async function () {
    this.timeout(30_000);
    expect(await readyStatus(app.url)).to.equal(200);

    await redis.stop();
    expect(await eventually(async () => (await readyStatus(app.url)) === 503, 5000)).to.equal(true);
    const body = await (await fetch(`${app.url}/readyz`)).json();
    expect(body.checks).to.deep.equal({ mongodb: true, redis: false });
    expect((await fetch(`${app.url}/healthz`)).status).to.equal(200);

    redis = await startEmbeddedServices({
      dataDir,
      logger: quietLogger,
      mongo: false,
      redis: true,
      redisPort: port,
    });
    expect(await eventually(async () => (await readyStatus(app.url)) === 200, 15_000)).to.equal(true);
  });
});
