import { expect } from 'chai';
import { Schema } from 'mongoose';
import { indexesToBuild, readsUseSecondaryIndexes } from '../../../src/db/indexes.js';

describe('which declared indexes a database server gets', () => {
  it('MongoDB and FerretDB 2 answer queries from secondary indexes; FerretDB 1 on SQLite does not', () => {
    expect(readsUseSecondaryIndexes({ version: '7.0.14' })).to.equal(true);
    expect(readsUseSecondaryIndexes({ version: '7.0.42', ferretdbVersion: 'v2.1.0' })).to.equal(true);
    expect(readsUseSecondaryIndexes({ version: '7.0.42', ferretdbVersion: 'v1.24.2' })).to.equal(false);
    // Our own build of FerretDB 1.24 reports no version.
    expect(readsUseSecondaryIndexes({ version: '7.0.42', ferretdbVersion: 'unknown' })).to.equal(false);
  });

  it('keeps unique indexes everywhere (they refuse duplicates) and lookup indexes only where reads use them', () => {
    const schema = new Schema({ tenantId: String, key: String, status: String });
    schema.index({ tenantId: 1, key: 1 }, { unique: true });
    schema.index({ tenantId: 1, status: 1 });
    const declared = schema.indexes();
    expect(indexesToBuild(declared, true).map(([fields]) => fields)).to.deep.equal([
      { tenantId: 1, key: 1 },
      { tenantId: 1, status: 1 },
    ]);
    expect(indexesToBuild(declared, false).map(([fields]) => fields)).to.deep.equal([
      { tenantId: 1, key: 1 },
    ]);
  });
});
