import { expect } from 'chai';
import { Types } from 'mongoose';
import { ConversationModel } from '../../src/conversations/conversation.model.js';
import { buildDeclaredIndexes } from '../../src/db/indexes.js';
import { quietLogger } from '../support/services.js';
import { connectDomain } from './conversations-support.js';

const keysOf = async () => (await ConversationModel.collection.indexes()).map((index) => index.key);

describe('database indexes on FerretDB (SQLite)', () => {
  before(() => connectDomain());

  it('threads carry only the indexes FerretDB uses: _id and the unique open-thread key', async () => {
    await ConversationModel.collection.insertOne({ tenantId: new Types.ObjectId(), probe: true });
    expect(await keysOf()).to.have.deep.members([{ _id: 1 }, { tenantId: 1, openKey: 1 }]);
  });

  it('a lookup index left by an earlier start is dropped; the unique key still refuses a second open thread', async () => {
    await ConversationModel.collection.createIndex({ tenantId: 1, category: 1, status: 1 });
    expect(await keysOf()).to.deep.include({ tenantId: 1, category: 1, status: 1 });
    await buildDeclaredIndexes(quietLogger);
    expect(await keysOf()).to.have.deep.members([{ _id: 1 }, { tenantId: 1, openKey: 1 }]);

    const tenantId = new Types.ObjectId();
    await ConversationModel.collection.insertOne({ tenantId, openKey: 'user:course' });
    const second = await ConversationModel.collection.insertOne({ tenantId, openKey: 'user:course' }).then(
      () => null,
      (error: { code?: number }) => error,
    );
    expect(second?.code).to.equal(11000);
  });
});
