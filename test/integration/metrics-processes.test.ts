import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { freePort } from '../../src/app/embedded-services.js';
import { startTestApp, type TestApp, testEnv } from '../support/app.js';
import { eventually } from '../support/eventually.js';
import { runEntry } from '../support/processes.js';
import { testServices } from '../support/services.js';

/** The value of one sample line (`name{labels} value`), 0 when the line is absent. */
function sample(text: string, line: string): number {
  const found = text.split('\n').find((candidate) => candidate.startsWith(`${line} `));
  return found ? Number(found.slice(line.length + 1)) : 0;
}

describe('metrics of a web and a separate worker process, each on its own port', function () {
  this.timeout(60_000);
  const token = `metrics-${randomUUID()}`;
  let web: TestApp;
  let env: NodeJS.ProcessEnv;
  let webMetrics: string;

  before(async () => {
    const services = await testServices();
    const prefix = `${services.redisPrefix}-metrics-processes`;
    const webPort = await freePort();
    web = await startTestApp({
      env: { METRICS_PORT: String(webPort), METRICS_TOKEN: token, REDIS_PREFIX: prefix },
    });
    webMetrics = `http://127.0.0.1:${webPort}/metrics`;
    env = await testEnv({ METRICS_TOKEN: token, REDIS_PREFIX: prefix, LOG_LEVEL: 'info' });
  });
  after(() => web?.stop());

  const scrape = async (url: string) => {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).to.equal(200);
    return response.text();
  };

  it('the worker counts the jobs it ran on its own endpoint; both report queue depths; it closes on SIGTERM', async () => {
    const workerPort = await freePort();
    const worker = runEntry('src/bin/worker.ts', { ...env, METRICS_PORT: String(workerPort) });
    const workerMetrics = `http://127.0.0.1:${workerPort}/metrics`;
    try {
      await worker.waitFor(/metrics listening/);
      await worker.waitFor(/workers started/);
      const done = 'chatref_jobs_finished_total{queue="maintenance",job="selfcheck",outcome="completed"}';
      const before = sample(await scrape(workerMetrics), done);
      await web.runtime.queues.enqueue('maintenance', 'selfcheck', { checkId: randomUUID() });
      await eventually(
        async () => sample(await scrape(workerMetrics), done) === before + 1,
        'the worker counting the job',
      );
      const workerText = await scrape(workerMetrics);
      const webText = await scrape(webMetrics);
      // The job is the worker's figure, not the web's.
      expect(sample(webText, done)).to.equal(0);
      for (const text of [workerText, webText]) {
        expect(text).to.include('chatref_queue_jobs{queue="maintenance",state="waiting"}');
        expect(text).to.include('chatref_process_resident_memory_bytes');
      }
      // Each process its own figures: the worker serves no HTTP, so it has no request samples.
      expect(workerText).not.to.match(/^chatref_http_request_duration_seconds_count/m);
      expect((await fetch(workerMetrics)).status, 'the worker wants the token too').to.equal(401);
    } finally {
      expect(await worker.stop()).to.equal(0);
    }
    const closed = await fetch(workerMetrics).then(
      () => false,
      () => true,
    );
    expect(closed, 'the metrics port closes with the worker').to.equal(true);
  });
});
