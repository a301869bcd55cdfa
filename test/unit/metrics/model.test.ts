import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { expect } from 'chai';
import { meteredFetch } from '../../../src/metrics/model.js';
import { registry } from '../../../src/metrics/registry.js';

/** The count of model calls and the tokens recorded for this model (0 when absent). */
async function figures(model: string) {
  const duration = await registry.getSingleMetric('chatref_model_request_duration_seconds')?.get();
  const tokens = await registry.getSingleMetric('chatref_model_tokens_total')?.get();
  const count = (outcome: string) =>
    (duration?.values ?? [])
      .filter(
        (v) =>
          (v as { metricName?: string }).metricName === 'chatref_model_request_duration_seconds_count' &&
          v.labels.model === model &&
          v.labels.outcome === outcome,
      )
      .reduce((sum, v) => sum + v.value, 0);
  const prompt = (tokens?.values ?? [])
    .filter((v) => v.labels.model === model && v.labels.type === 'prompt')
    .reduce((sum, v) => sum + v.value, 0);
  return { ok: count('ok'), error: count('error'), prompt };
}

describe('the metered fetch of the model clients', () => {
  let server: Server;
  let url: string;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/fail') return void res.writeHead(500).end('{"error":"boom"}');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ data: [{ embedding: [0.1, 0.2] }], usage: { prompt_tokens: 17, total_tokens: 17 } }),
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  it('hands the caller the body untouched and records the call with the tokens it reports', async () => {
    const metered = meteredFetch('embeddings', 'unit-model-ok');
    const response = await metered(`${url}/v1/embeddings`, { method: 'POST', body: '{}' });
    expect(await response.json()).to.deep.include({ data: [{ embedding: [0.1, 0.2] }] });
    // Recorded from a copy of the body, beside the caller: wait for it rather than for time.
    for (let i = 0; i < 100 && (await figures('unit-model-ok')).ok === 0; i++)
      await new Promise((resolve) => setImmediate(resolve));
    expect(await figures('unit-model-ok')).to.deep.equal({ ok: 1, error: 0, prompt: 17 });
  });

  it('records a refused request and an unreachable server as errors, and still answers or throws as before', async () => {
    const metered = meteredFetch('chat', 'unit-model-error');
    expect((await metered(`${url}/fail`)).status).to.equal(500);
    let thrown: unknown;
    await metered('http://127.0.0.1:1/v1/chat/completions').catch((error) => {
      thrown = error;
    });
    expect(thrown).to.be.instanceOf(Error);
    expect(await figures('unit-model-error')).to.deep.equal({ ok: 0, error: 2, prompt: 0 });
  });
});
