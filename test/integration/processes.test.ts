import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { freePort } from '../../src/app/embedded-services.js';
import { SelfcheckModel } from '../../src/maintenance/selfcheck.model.js';
import { startTestApp, type TestApp, testEnv } from '../support/app.js';
import { runEntry } from '../support/processes.js';

async function until<T>(read: () => Promise<T | null | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await read();
    if (value) return value;
    await sleep(50);
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('web and worker processes', function () {
  this.timeout(60_000);
  let web: TestApp;

  before(async () => {
    web = await startTestApp();
  });
  after(() => web.stop());

  it('a job enqueued by the web side is processed by a separate worker process', async () => {
    const worker = runEntry('src/bin/worker.ts', await testEnv({ LOG_LEVEL: 'info' }));
    try {
      await worker.waitFor(/workers started/);
      const checkId = randomUUID();
      await web.runtime.queues.enqueue('maintenance', 'selfcheck', { checkId });
      const record = await until(() => SelfcheckModel.findOne({ checkId }).lean(), 10_000);
      expect(record.workerPid).to.equal(worker.child.pid);
      expect(record.workerPid).not.to.equal(process.pid);
    } finally {
      expect(await worker.stop()).to.equal(0);
    }
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} lets an in-flight job finish before the worker exits 0`, async () => {
      const worker = runEntry('src/bin/worker.ts', await testEnv({ LOG_LEVEL: 'info' }));
      await worker.waitFor(/workers started/);
      const checkId = randomUUID();
      const job = await web.runtime.queues.enqueue('maintenance', 'selfcheck', { checkId, holdMs: 2000 });
      await until(async () => (await job.getState()) === 'active', 10_000);

      const exitCode = await worker.stop(signal);

      expect(exitCode).to.equal(0);
      expect(await job.getState()).to.equal('completed');
      expect(await SelfcheckModel.exists({ checkId })).to.not.equal(null);
    });
  }

  it('the retention purge, scheduled by every worker, removes only expired records', async () => {
    const old = new Date(Date.now() - 3 * 24 * 3600_000);
    await SelfcheckModel.create([
      { checkId: `old-${randomUUID()}`, workerPid: 1, hostname: 'h', ranAt: old },
      { checkId: `new-${randomUUID()}`, workerPid: 1, hostname: 'h', ranAt: new Date() },
    ]);
    const worker = runEntry('src/bin/worker.ts', await testEnv({ LOG_LEVEL: 'info' }));
    try {
      await worker.waitFor(/workers started/);
      const job = await web.runtime.queues.enqueue('maintenance', 'purge', {});
      await until(async () => (await job.getState()) === 'completed', 10_000);
      expect(
        await SelfcheckModel.countDocuments({ ranAt: { $lt: new Date(Date.now() - 24 * 3600_000) } }),
      ).to.equal(0);
      expect(
        await SelfcheckModel.countDocuments({ ranAt: { $gte: new Date(Date.now() - 3600_000) } }),
      ).to.be.greaterThan(0);
      const schedulers = await web.runtime.queues.get('maintenance').getJobSchedulers();
      expect(schedulers.map((scheduler) => scheduler.key)).to.include('maintenance-purge');
    } finally {
      await worker.stop();
    }
  });

  it('start-up with Redis unreachable names it and keeps retrying instead of crashing', async () => {
    const deadPort = await freePort();
    const web2 = runEntry(
      'src/bin/web.ts',
      await testEnv({ LOG_LEVEL: 'info', REDIS_URL: `redis://127.0.0.1:${deadPort}` }),
    );
    try {
      const line = await web2.waitFor(/unreachable/);
      expect(line).to.contain(`Redis at redis://127.0.0.1:${deadPort}`);
      await web2.waitFor(/retrying in/);
      expect(web2.child.exitCode).to.equal(null);
      expect(web2.output()).not.to.match(/\n\s+at .+\(.+:\d+:\d+\)/);
    } finally {
      await web2.stop();
    }
  });

  it('an invalid setting stops start-up with one line naming it', async () => {
    const web2 = runEntry('src/bin/web.ts', await testEnv({ PORT: 'eighty' }));
    const code = await new Promise<number | null>((resolve) => web2.child.once('exit', resolve));
    expect(code).to.equal(1);
    expect(web2.output().trim()).to.match(/^chatref: configuration error: PORT must be a TCP port number/);
    expect(web2.output().trim().split('\n')).to.have.length(1);
  });

  it('npm start embeds FerretDB and Redis, serves /readyz, and Ctrl-C leaves no child running', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'chatref-start-'));
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', DATA_DIR: dataDir };
    delete env.MONGODB_URL;
    delete env.REDIS_URL;
    const start = runEntry('src/bin/start.ts', env);
    try {
      const ready = JSON.parse(await start.waitFor(/embedded services ready/, 30_000));
      const listening = JSON.parse(await start.waitFor(/web listening/, 30_000));
      expect((await fetch(`${listening.url}/readyz`)).status).to.equal(200);
      expect(ready.pids).to.have.length(2);

      expect(await start.stop('SIGINT')).to.equal(0);
      for (const pid of ready.pids as number[])
        expect(isAlive(pid), `child ${pid} still running`).to.equal(false);
    } finally {
      await start.stop('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
