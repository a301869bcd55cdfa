import { expect } from 'chai';
import mongoose from 'mongoose';
import { pino } from 'pino';
import { connectMongo } from '../../src/db/mongo.js';
import { AuditTrail } from '../../src/inbox/audit-trail.js';
import type { AuditEntry } from '../../src/inbox/inbox.models.js';
import { quietLogger, testServices } from '../support/services.js';

describe('audit log written behind the actions', () => {
  let collection: mongoose.mongo.Collection<AuditEntry>;
  const tenantId = new mongoose.Types.ObjectId();
  let requests = 0;
  let failuresLeft = 0;

  // The real collection, counting the requests that reach it; the first `failuresLeft` of them fail.
  const flaky = () =>
    ({
      insertOne: async (...args: Parameters<typeof collection.insertOne>) => {
        requests += 1;
        if (failuresLeft-- > 0) throw new Error('connection reset');
        return collection.insertOne(...args);
      },
      insertMany: async (...args: Parameters<typeof collection.insertMany>) => {
        requests += 1;
        if (failuresLeft-- > 0) throw new Error('connection reset');
        return collection.insertMany(...args);
      },
    }) as unknown as mongoose.mongo.Collection;

  const entry = (action: string): AuditEntry => ({
    _id: new mongoose.Types.ObjectId(),
    tenantId,
    at: new Date(),
    actor: { userId: 'admin-1', role: 'admin', name: 'Ada' },
    action,
    launchId: 'launch-1',
    details: { note: 'checked the gradebook' },
  });

  before(async () => {
    const { mongoUrl } = await testServices();
    if (mongoose.connection.readyState === 0) await connectMongo(mongoUrl, quietLogger);
    collection = mongoose.connection.collection<AuditEntry>(`audit_trail_${Date.now()}`);
  });

  beforeEach(() => {
    requests = 0;
    failuresLeft = 0;
  });

  it('stores the entries of one moment together, in one insert, shortly after the actions', async () => {
    const trail = new AuditTrail({ collection: flaky, delayMs: 300 });
    const actions = ['claim', 'note', 'reply', 'transfer', 'resolve'];
    for (const action of actions) trail.record(entry(action));
    // Nobody waited for them: nothing is written yet.
    expect(await collection.countDocuments({ tenantId, action: { $in: actions } })).to.equal(0);
    await trail.drain();
    const stored = await collection
      .find({ tenantId, action: { $in: actions } })
      .sort({ _id: 1 })
      .toArray();
    expect(stored.map((row) => row.action)).to.deep.equal(actions);
    expect(stored[0]).to.deep.include({ launchId: 'launch-1', details: { note: 'checked the gradebook' } });
    expect(requests).to.equal(1);
  });

  it('retries a failed write until the entry is stored, once', async () => {
    const trail = new AuditTrail({ collection: flaky, delayMs: 1, retryDelaysMs: [5, 5, 5] });
    failuresLeft = 2;
    const lost = entry('hand_back');
    trail.record(lost);
    await trail.drain();
    expect(await collection.countDocuments({ _id: lost._id })).to.equal(1);
    expect(requests).to.equal(3);
  });

  it('logs an entry in full when it cannot be stored at all, and still lets shutdown finish', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => lines.push(line) });
    const trail = new AuditTrail({ collection: flaky, logger, delayMs: 1, retryDelaysMs: [5] });
    failuresLeft = 10;
    const lost = entry('reopen');
    trail.record(lost);
    await trail.drain();
    expect(await collection.countDocuments({ _id: lost._id })).to.equal(0);
    const logged = lines
      .map((line) => JSON.parse(line))
      .find((l) => l.msg === 'audit entry could not be stored');
    expect(logged?.audit).to.deep.include({ action: 'reopen', launchId: 'launch-1', _id: String(lost._id) });
  });
});
