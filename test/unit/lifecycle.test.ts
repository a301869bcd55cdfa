import { expect } from 'chai';
import { Lifecycle } from '../../src/lib/lifecycle.js';
import { quietLogger } from '../support/services.js';

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
    const lifecycle = new Lifecycle(quietLogger, 200);
    let databaseClosed = false;
    lifecycle.onShutdown('database', () => {
      databaseClosed = true;
    });
    lifecycle.onShutdown('stuck', () => new Promise(() => undefined));
    const started = Date.now();
    await lifecycle.shutdown('test');
    expect(Date.now() - started).to.be.below(1000);
    expect(databaseClosed).to.equal(true);
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
