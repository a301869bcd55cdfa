import { expect } from 'chai';
import mongoose from 'mongoose';
import { connectMongo } from '../../src/db/mongo.js';
import { InsertBatcher } from '../../src/lib/insert-batcher.js';
import { quietLogger, testServices } from '../support/services.js';

interface Row {
  _id: mongoose.Types.ObjectId;
  n: number;
}

describe('grouped inserts (launch records)', () => {
  let collection: mongoose.mongo.Collection<Row>;
  let calls: number;
  let inserts: InsertBatcher;

  before(async () => {
    const { mongoUrl } = await testServices();
    if (mongoose.connection.readyState === 0) await connectMongo(mongoUrl, quietLogger);
    collection = mongoose.connection.collection<Row>(`group_insert_${Date.now()}`);
    // Counts the requests that reach the database.
    const counted = {
      insertOne: async (...args: Parameters<typeof collection.insertOne>) => {
        calls += 1;
        return collection.insertOne(...args);
      },
      insertMany: async (...args: Parameters<typeof collection.insertMany>) => {
        calls += 1;
        return collection.insertMany(...args);
      },
    };
    inserts = new InsertBatcher(() => counted as unknown as mongoose.mongo.Collection);
  });

  beforeEach(() => {
    calls = 0;
  });

  it('stores every one of many concurrent inserts, in fewer round trips than documents', async () => {
    const rows = Array.from({ length: 40 }, (_, n) => ({ _id: new mongoose.Types.ObjectId(), n }));
    await Promise.all(rows.map((row) => inserts.insert(row)));
    expect(await collection.countDocuments({ n: { $lt: 40 } })).to.equal(40);
    expect(calls).to.be.greaterThan(0).and.lessThan(40);
  });

  it('refuses only the document that clashes; the others in its batch are stored', async () => {
    const taken = new mongoose.Types.ObjectId();
    await collection.insertOne({ _id: taken, n: 100 });
    const results = await Promise.allSettled([
      inserts.insert({ _id: new mongoose.Types.ObjectId(), n: 101 }),
      inserts.insert({ _id: new mongoose.Types.ObjectId(), n: 102 }),
      inserts.insert({ _id: taken, n: 103 }),
      inserts.insert({ _id: new mongoose.Types.ObjectId(), n: 104 }),
    ]);
    expect(results.map((result) => result.status)).to.deep.equal([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect((results[2] as PromiseRejectedResult).reason.code).to.equal(11000);
    expect(await collection.countDocuments({ n: { $in: [101, 102, 104] } })).to.equal(3);
  });

  it('inserts at once when nothing else is in flight', async () => {
    await inserts.insert({ _id: new mongoose.Types.ObjectId(), n: 200 });
    expect(calls).to.equal(1);
    expect(await collection.countDocuments({ n: 200 })).to.equal(1);
  });
});
