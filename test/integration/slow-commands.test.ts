import { expect } from 'chai';
import mongoose from 'mongoose';
import { logSlowCommands } from '../../src/db/mongo.js';
import type { Logger } from '../../src/lib/logger.js';
import { testServices } from '../support/services.js';

describe('slow database command log (MONGODB_SLOW_MS)', () => {
  it('names the command, collection and filter fields of a slow command, never the values', async () => {
    const services = await testServices();
    const client = new mongoose.mongo.MongoClient(services.mongoUrl, { monitorCommands: true });
    const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const logger = {
      warn: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }),
    } as unknown as Logger;
    // A threshold every command passes, so the test does not depend on the machine's speed (the driver
    // reports whole milliseconds, so a fast find lasts 0 ms).
    logSlowCommands(client, logger, 0);
    try {
      const people = client.db(services.database).collection('slow_log_people');
      await people.insertOne({ name: 'Ana Secret', email: 'ana@example.edu' });
      await people.findOne({ email: 'ana@example.edu', name: 'Ana Secret' });
    } finally {
      await client.close();
    }
    const find = lines.find((line) => line.fields.command === 'find');
    expect(find?.message).to.equal('slow database command');
    expect(find?.fields).to.include({ collection: 'slow_log_people', failed: false });
    expect(find?.fields.filter).to.deep.equal(['email', 'name']);
    expect(find?.fields.ms).to.be.a('number');
    expect(JSON.stringify(lines)).not.to.contain('Ana Secret');
    expect(JSON.stringify(lines)).not.to.contain('ana@example.edu');
  });
});
