import { expect } from 'chai';
import express from 'express';
import { errorHandler, notFoundHandler } from '../../src/http/middleware/errors.js';
import { AppError } from '../../src/lib/errors.js';

async function withApp(mount: (app: express.Express) => void, run: (url: string) => Promise<void>) {
  const app = express();
  mount(app);
  app.use(notFoundHandler);
  app.use(errorHandler);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  try {
    await run(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  } finally {
    server.close();
  }
}

describe('error responses', () => {
  it('answers a crash with a generic message and a reference, never a stack trace', async () => {
    await withApp(
      (app) =>
        app.get('/boom', () => {
          throw new Error('secret internal detail at /srv/app.ts:42');
        }),
      async (url) => {
        const response = await fetch(`${url}/boom`);
        expect(response.status).to.equal(500);
        const text = await response.text();
        expect(text).not.to.contain('secret internal detail');
        expect(text).not.to.contain('app.ts');
        expect(JSON.parse(text).error.message).to.match(/^Something went wrong on our side\. Reference: /);
      },
    );
  });

  it('passes a domain error through with its status and plain message', async () => {
    await withApp(
      (app) =>
        app.get('/limited', () => {
          throw new AppError('rate_limited', 'You are sending messages too quickly; wait a moment.');
        }),
      async (url) => {
        const response = await fetch(`${url}/limited`);
        expect(response.status).to.equal(429);
        expect(await response.json()).to.deep.equal({
          error: { code: 'rate_limited', message: 'You are sending messages too quickly; wait a moment.' },
        });
      },
    );
  });
});
