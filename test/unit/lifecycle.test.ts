import { expect } from 'chai';
import { Lifecycle } from '../../src/lib/lifecycle.js';
import { createLogger } from '../../src/lib/logger.js';
import { quietLogger } from '../support/services.js';

/** A logger whose warnings the test reads: what an operator sees when a resource did not close. */
function warningsLogger() {
  const lines: Array<{ msg: string; err?: { message?: string } }> = [];
  const logger = createLogger({
    level: 'warn',
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });
  return { logger, lines };
}

describe('shutdown order', () => {
  it('closes resources in reverse order of opening (server before queues before database)', async () => {
    const closed: string[] = [];
    const lifecycle = new Lifecycle(quietLogger, 1000);
    for (const name of ['database', 'queues', 'server'])
      lifecycle.onShutdown(name, () => void closed.push(name));
    await lifecycle.shutdown('test');
    expect(closed).to.deep.equal(['server', 'queues', 'database']);
  });

  it('does not let one stuck resource hold the exit past the time limit', async () => {
    // No clock in the assertion: shutdown resolving at all (within mocha's timeout) shows the stuck hook
    // was given up on; the warning shows it was given up on because of the limit, and the next resource
    // still closed. How long the exit takes is measured by `npm run bench -- in-process`.
    const { logger, lines } = warningsLogger();
    const lifecycle = new Lifecycle(logger, 200);
    let databaseClosed = false;
    lifecycle.onShutdown('database', () => {
      databaseClosed = true;
    });
    lifecycle.onShutdown('stuck', () => new Promise(() => undefined));
    await lifecycle.shutdown('test');
    expect(databaseClosed).to.equal(true);
    expect(lines.map((line) => line.msg)).to.deep.equal(['shutdown: stuck failed']);
    expect(lines[0]?.err?.message).to.match(/^did not finish within \d+ ms$/);
  });

  it('runs the hooks once however many signals arrive', async () => {
    let runs = 0;
    const lifecycle = new Lifecycle(quietLogger, 1000);
    lifecycle.onShutdown('counter', () => {
      runs += 1;
    });
    await Promise.all([
      lifecycle.shutdown('SIGINT'),
      lifecycle.shutdown('SIGINT'),
      lifecycle.shutdown('SIGTERM'),
    ]);
    expect(runs).to.equal(1);
  });
});
